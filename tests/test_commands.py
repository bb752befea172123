"Every command the README's results tables give parses with the CLI's own parser, and every `python -c` snippet's imports resolve: a stale command fails here."
import ast, importlib, re, shlex
import pytest
from fastcore.script import anno_parser
import gunshot_fastai.cli as cli
from gunshot_fastai.core import project_root
from gunshot_fastai.results import results_table, source_table, conditions_table

def table_commands() -> list[str]:
    "Each command in the tables the README is generated from."
    results = project_root()/'results'
    cells = [c for t in (results_table(results), source_table(results), conditions_table(results)) for c in t.command]
    return sorted({c for cell in cells for c in re.findall(r'`([^`]+)`', cell)})

def check_command(command:str):
    "Raise if `command` is not a gunshot command its parser accepts, or a `python -c` whose imports resolve."
    argv = shlex.split(command, comments=True)
    if argv[:2] == ['python', '-c']:
        for node in ast.walk(ast.parse(argv[2])):
            if isinstance(node, ast.ImportFrom):
                module = importlib.import_module(node.module)
                missing = [a.name for a in node.names if not hasattr(module, a.name)]
                if missing: raise ImportError(f"{node.module} has no {', '.join(missing)}")
            elif isinstance(node, ast.Import):
                for a in node.names: importlib.import_module(a.name)
        return
    f = getattr(cli, argv[0].replace('-', '_'), None) if argv[0].startswith('gunshot-') else None
    if f is None: raise ValueError(f"not a gunshot command or python -c: {argv[0]}")
    parser = anno_parser(f)
    parser.exit = lambda status=0, message=None: (_ for _ in ()).throw(ValueError(message))  # argparse would exit
    parser.error = lambda message: (_ for _ in ()).throw(ValueError(message))
    parser.parse_args(argv[1:])

COMMANDS = table_commands()

def test_the_tables_give_commands():
    assert len(COMMANDS) > 20 and any(c.startswith('python -c') for c in COMMANDS), COMMANDS

@pytest.mark.parametrize('command', COMMANDS)
def test_each_table_command_runs_with_todays_library(command):
    check_command(command)

def test_a_stale_command_fails():
    with pytest.raises(ImportError, match='has no train_hierarchy'):
        check_command('python -c "from gunshot_fastai.evaluate import train_hierarchy; train_hierarchy(\'m\')"')
    with pytest.raises(ValueError, match='unrecognized arguments: --learning-rate'):
        check_command('gunshot-train --task detect --out m.pkl --learning-rate 3')
    with pytest.raises(ValueError, match='not a gunshot command'):
        check_command('gunshot_fastai-train --task detect')
