"Fixtures shared by test files: models trained once per session on real data (a few clips, a few epochs)."
import pytest
from gunshot_fastai.data import task_frame
from gunshot_fastai.test_utils import run_cli
from gunshot_fastai.test_utils import toy_model

def _train(out, *args):
    r = run_cli('gunshot-train', *args, '--quick', '--out', out)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out, r.stdout

@pytest.fixture(scope='session')
def toy(tmp_path_factory):
    "The toy detector (`test_utils.toy_model`: synthetic bangs against tones and noise), trained in seconds."
    return toy_model(tmp_path_factory.mktemp('toy'))

@pytest.fixture(scope='session')
def quick_detector(tmp_path_factory):
    "A ResNet-18 `detect` model from `gunshot-train --quick`, and what the command printed."
    return _train(tmp_path_factory.mktemp('models')/'detect.pkl', '--task', 'detect')

@pytest.fixture(scope='session')
def quick_esc10(tmp_path_factory):
    "A ten-class model (the small CNN on ESC-10) from `gunshot-train --quick`."
    return _train(tmp_path_factory.mktemp('models')/'esc10.pkl', '--task', 'esc10', '--arch', 'small_cnn')[0]

def real_clips(task='detect', n=1):
    "`n` clips of each class from `task`'s validation fold (fold 1): real recordings no quick model trained on."
    valid = task_frame(task).query('fold == 1')
    return [p for _, g in valid.groupby('label') for p in g.path.iloc[:n]]
