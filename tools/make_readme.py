"""Write README.md from nbs/index.ipynb.

`nbdev-readme` renders through Quarto, which cannot be installed offline (its PyPI package downloads the binary at
install time). This does the part we need: markdown cells as they are, code cells as Python blocks with their
text output, cells marked `#| hide` left out, nbdev directives stripped.
"""
import json
from pathlib import Path

def _is_hidden(src): return any(l.strip().replace(' ', '') in ('#|hide', '#|include:false') for l in src.splitlines())

def _text_outputs(cell):
    for o in cell.get('outputs', []):
        text = o.get('text') or o.get('data', {}).get('text/plain')
        if text: yield ''.join(text).rstrip()

def readme(nb_path:Path) -> str:
    parts = []
    for cell in json.loads(nb_path.read_text())['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown': parts.append(src.strip()); continue
        if cell['cell_type'] != 'code' or _is_hidden(src): continue
        code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith('#|')).strip()
        if code: parts.append(f"```python\n{code}\n```")
        parts += [f"```\n{t}\n```" for t in _text_outputs(cell)]
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parents[1]
    (root/'README.md').write_text(readme(root/'nbs'/'index.ipynb'))
