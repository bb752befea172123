"The README's results table is the output of `results_table` on the committed metrics files, not typed by hand."
from pathlib import Path
from gunshot_fastai.core import markdown_table
from gunshot_fastai.results import results_table

ROOT = Path(__file__).resolve().parents[1]

def test_readme_results_table_is_generated_from_the_metrics_files():
    table = markdown_table(results_table(ROOT/'results'))
    assert table.count('\n') >= 3, table  # a header, a rule and at least two result rows
    assert table in (ROOT/'README.md').read_text()
