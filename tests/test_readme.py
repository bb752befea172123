"The README is generated from committed results that read the same on every checkout, not typed by hand."
from pathlib import Path
from gunshot_fastai.core import markdown_table
from gunshot_fastai.results import results_table

ROOT = Path(__file__).resolve().parents[1]

def test_readme_results_table_is_generated_from_the_metrics_files():
    table = markdown_table(results_table(ROOT/'results'))
    assert table.count('\n') >= 3, table  # a header, a rule and at least two result rows
    assert table in (ROOT/'README.md').read_text()

def test_committed_reports_name_clips_under_the_data_root():
    "A report that named clips by this machine's folders would read differently on every checkout (the README matches them to the manifest)."
    reports = sorted((ROOT/'results').rglob('predictions.csv')) + sorted((ROOT/'results').rglob('top_losses.csv'))
    assert reports
    absolute = [f for f in reports if f.read_text().split('\n', 2)[1].startswith('/')]
    assert not absolute, f"{len(absolute)} reports name clips by absolute paths, e.g. {absolute[0]}"
