#!/bin/sh
# Create bench/.venv-peers: allocator plus the peer libraries the CVaR benchmark compares
# against (PyPortfolioOpt, Riskfolio-Lib). They live only here, never in allocator's own
# dependencies.  Usage (from the repository root):  sh bench/peers/make_venv.sh [python]
set -eu
cd "$(dirname "$0")/../.."
python=${1:-python3}
"$python" -m venv bench/.venv-peers
bench/.venv-peers/bin/pip install --quiet --upgrade pip
bench/.venv-peers/bin/pip install --quiet -e . pyportfolioopt riskfolio-lib
bench/.venv-peers/bin/python -c "import pypfopt, riskfolio, allocator; print('pypfopt', pypfopt.__version__, 'riskfolio', riskfolio.__version__)"
