"""Write README.md from nbs/index.ipynb.

`nbdev-readme` renders through Quarto, which cannot be installed offline (its PyPI package downloads the binary at
install time). This does the part we need: markdown cells as they are, code cells as Python blocks with their
text output (Markdown output as it is), cells marked `#| hide` left out, the code of cells marked `#| echo: false`
left out but their output kept, nbdev directives stripped.

With `--execute` (`make readme`, `make sync-check`) it first runs the index notebook and keeps the outputs, so the
README's results tables are regenerated from `results/`; without it, it renders the outputs stored in the notebook.
"""
import json, sys
from pathlib import Path

def _is_hidden(src): return any(l.strip().replace(' ', '') in ('#|hide', '#|include:false') for l in src.splitlines())

def _no_echo(src): return any(l.strip().replace(' ', '') == '#|echo:false' for l in src.splitlines())

def _outputs(cell):
    "Each output as Markdown: Markdown as it is, text in a code block."
    for o in cell.get('outputs', []):
        if o.get('name') == 'stderr': continue  # warnings are not part of the README
        if 'text/markdown' in o.get('data', {}): yield ''.join(o['data']['text/markdown']).rstrip(); continue
        text = o.get('text') or o.get('data', {}).get('text/plain')
        if text: yield f"```\n{''.join(text).rstrip()}\n```"

def readme(nb_path:Path) -> str:
    parts = []
    for cell in json.loads(nb_path.read_text())['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown': parts.append(src.strip()); continue
        if cell['cell_type'] != 'code' or _is_hidden(src): continue
        code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith('#|')).strip()
        if code and not _no_echo(src): parts.append(f"```python\n{code}\n```")
        parts += list(_outputs(cell))
    return '\n\n'.join(parts) + '\n'

def execute(nb_path:Path):
    "Run the notebook in place, keeping its outputs but not its warnings (they name this machine's paths), then clean it as nbdev-clean would."
    from execnb.shell import CaptureShell
    from nbdev.clean import nbdev_clean
    CaptureShell().execute(nb_path, nb_path, exc_stop=True)
    nb = json.loads(nb_path.read_text())
    for cell in nb['cells']:
        if 'outputs' in cell: cell['outputs'] = [o for o in cell['outputs'] if o.get('name') != 'stderr']
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    nbdev_clean(str(nb_path))

if __name__ == '__main__':
    root = Path(__file__).resolve().parents[1]
    index = root/'nbs'/'index.ipynb'
    if '--execute' in sys.argv[1:]: execute(index)
    (root/'README.md').write_text(readme(index))
