"One command-line convention: every `gunshot-*` command exits 2 with one line on stderr for a usage error, before any work."
import pytest
from gunshot_fastai.test_utils import gunshot_like, write_clip, run_cli

@pytest.fixture(scope='module')
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp('conv')
    (d/'junk.pkl').write_text('not a model')
    return {'clip': write_clip(d/'clip.wav', gunshot_like()), 'model': d/'junk.pkl', 'out': d/'out'}

CASES = [  # (command, arguments, part of the message)
    ('gunshot-render', ['{clip}', '--out', '{out}', '--fmax', '9000'], 'fmax=9000'),
    ('gunshot-render', ['{clip}', '--out', '{out}', '--n-mels', 'many'], "invalid int value: 'many'"),
    ('gunshot-train', ['--task', 'detect', '--out', '{out}/m.pkl', '--schedule', 'nonsense'], "schedule stage 'nonsense'"),
    ('gunshot-train', ['--task', 'detect', '--out', '{out}/m.pkl', '--weights', 'missing.pth'], 'checkpoint file that exists'),
    ('gunshot-train', ['--task', 'birds', '--out', '{out}/m.pkl'], "invalid choice: 'birds'"),
    ('gunshot-predict', ['--model', '{model}', '{clip}'], 'cannot load as a fastai learner'),
    ('gunshot-predict', ['--model', '{out}/absent.pkl', '{clip}'], 'model file not found'),
    ('gunshot-scan', ['--model', '{model}', '{clip}'], 'cannot load as a fastai learner'),
    ('gunshot-scan', ['--model', '{model}', '{clip}', '--hop', '0'], '--hop must be positive'),
    ('gunshot-serve', ['--model', '{model}'], 'cannot load as a fastai learner'),
    ('gunshot-evaluate', ['--task', 'esc10', '--folds', '2', '--methods', 'bogus', '--out', '{out}'], "unknown method 'bogus'"),
    ('gunshot-evaluate', ['--model', '{model}', '--out', '{out}'], 'cannot load as a fastai learner'),
    ('gunshot-bench', ['--model', '{model}'], 'cannot load as a fastai learner'),
]

@pytest.mark.parametrize('command, args, message', CASES)
def test_usage_error_exits_2_with_one_line(files, command, args, message):
    r = run_cli(command, *[a.format(**files) for a in args], timeout=300)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert message in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]
    errors = [l for l in r.stderr.splitlines() if 'error:' in l]
    assert len(errors) == 1 and errors[0].startswith(f'{command}: error: '), r.stderr
    assert not files['out'].exists() or not any(files['out'].rglob('*.json'))  # nothing was done

@pytest.mark.parametrize('command', ['gunshot-render', 'gunshot-train', 'gunshot-predict', 'gunshot-scan', 'gunshot-serve',
                                     'gunshot-evaluate', 'gunshot-bench'])
def test_help_mentions_its_usage(command):
    r = run_cli(command, '--help', timeout=60)
    assert r.returncode == 0 and r.stdout.startswith(f'usage: {command}')
    if command in ('gunshot-predict', 'gunshot-scan', 'gunshot-serve', 'gunshot-evaluate'): assert 'model file is code' in r.stdout
