"""``allocator advise OUTLOOK``: advice on the small-cap weight across competing scenarios."""

from __future__ import annotations

from pathlib import Path

import click

from allocator.cli_errors import user_errors
from allocator.cli_executor import executor_options


@click.command("advise")
@click.argument("outlook_file", metavar="OUTLOOK", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder for <outlook>.json and <outlook>.html.",
)
@click.option(
    "--paths",
    type=click.IntRange(1, 10_000_000),
    help="Monte Carlo paths per scenario  [default: the outlook's, else each scenario's].",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the files written.")
@executor_options
@user_errors
def advise_command(outlook_file: Path, out_dir: Path, paths: int | None, quiet: bool) -> None:
    """Advice across the scenarios an OUTLOOK file names, with their probabilities.

    Optimal weights per scenario; the probability-weighted (blended), worst-case and
    minimum-regret allocations; a regret table (small-cap weight × scenario); the recommended
    small-cap weight with a 5th-95th percentile range from resampling the simulated paths;
    its sensitivity to risk aversion; a plain-language summary. Writes JSON and HTML.
    Not financial advice.
    """
    from allocator.optimize.advice import advise
    from allocator.report.files import write_atomic
    from allocator.report.html import render_advice_html
    from allocator.report.result_json import SCHEMA_VERSION, generated_at, to_json
    from allocator.scenario import load_outlook

    outlook, loaded = load_outlook(outlook_file)
    doc = {"schema_version": SCHEMA_VERSION, "generated_at": generated_at()}
    doc.update(advise(outlook, loaded, paths))
    json_path = out_dir / f"{outlook_file.stem}.json"
    html_path = out_dir / f"{outlook_file.stem}.html"
    write_atomic(json_path, to_json(doc))
    write_atomic(html_path, render_advice_html(doc))
    if not quiet:
        for line in str(doc["summary"]).splitlines():
            click.echo(line)
    click.echo(f"wrote {html_path}")
    click.echo(f"wrote {json_path}")
