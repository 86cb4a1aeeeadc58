"""Click commands of the report package: ``allocator compare``."""

from __future__ import annotations

from pathlib import Path

import click

from allocator.cli_errors import user_errors


@click.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the comparison as one self-contained HTML page here.",
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also print the sweep points and the single assets (the HTML page always has them).",
)
def compare(results: tuple[Path, ...], html_path: Path | None, show_all: bool) -> None:
    """Compare simulation RESULTS (JSON files written by `allocator simulate`).

    Prints which scenario settings differ (dotted paths of the resolved scenario), then every
    metric of every candidate portfolio side by side, with each later result's difference from
    the first ± one Monte Carlo standard error; `*` marks a difference larger than two
    standard errors. Exit codes: 0 compared (notes say when schema versions or asset lists
    differ), 2 a file is unreadable or not a simulation result.
    """
    user_errors(_compare)(results, html_path, show_all)


def _compare(results: tuple[Path, ...], html_path: Path | None, show_all: bool) -> None:
    from allocator.errors import InputError
    from allocator.report.compare import compare_documents, files_table, settings_table
    from allocator.report.documents import load_result
    from allocator.report.files import write_atomic
    from allocator.report.html import render_compare_html
    from allocator.report.tables import to_text

    if len(results) < 2:
        raise InputError("compare needs at least two result files")
    docs = [load_result(path) for path in results]
    comparison = compare_documents([str(p) for p in results], docs)
    click.echo(to_text(files_table(comparison), max_width=60))
    for warning in comparison.warnings:
        click.echo(f"note: {warning}")
    click.echo(_wrap(comparison.pairing))
    click.echo("")
    if comparison.settings:
        click.echo(f"Scenario settings that differ ({len(comparison.settings)}):")
        click.echo(to_text(settings_table(comparison)))
    else:
        click.echo("Scenario settings that differ: none (identical resolved scenarios)")
    click.echo("")
    click.echo(
        f"Metrics: later results minus {comparison.labels[0]} (± 1 standard error); "
        "* = larger than 2 standard errors; (no SE) = the files give no error for it"
    )
    for series in comparison.series:
        if series.kind != "portfolio" and not show_all:
            continue
        click.echo("")
        click.echo(f"== {series.name} ({series.kind} {series.id})")
        click.echo(to_text(series.table))
    hidden = sum(1 for s in comparison.series if s.kind != "portfolio")
    if hidden and not show_all:
        click.echo("")
        click.echo(f"({hidden} sweep points and single assets not shown: use --all or --html)")
    if html_path is not None:
        page = render_compare_html(comparison)
        try:
            write_atomic(html_path, page)
        except OSError as exc:
            raise InputError(f"{html_path}: cannot write: {exc.strerror or exc}") from None
        click.echo(f"wrote {html_path}")


def _wrap(text: str, width: int = 100) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) if text else ""
