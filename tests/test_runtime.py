"`gunshot-export` to ONNX, and the exported network run where torch and fastai cannot be imported, matching the learner."
import json, subprocess, sys
import pytest
from conftest import real_clips
from gunshot_fastai.predictor import onnx_description
from gunshot_fastai.test_utils import run_cli

# A process in which `import torch` / `import fastai` fail, as in a runtime-only install, running one command and
# checking that neither was imported by the end.
NO_TORCH = """
import sys
class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'torchvision', 'fastai'): raise ImportError(f'{name} is not installed here')
sys.meta_path.insert(0, NotInstalled())
from gunshot_fastai import cli
sys.argv = sys.argv[1:]
rc = getattr(cli, sys.argv[0].replace('-', '_'))()
assert not {'torch', 'fastai'} & {m.split('.')[0] for m in sys.modules}
sys.exit(rc)
"""

@pytest.fixture(scope='module')
def without_torch(tmp_path_factory):
    "Run a `gunshot-*` command in a process where torch and fastai cannot be imported."
    script = tmp_path_factory.mktemp('no_torch')/'run.py'  # (a file: fastcore's `call_parse` parses argv only in one)
    script.write_text(NO_TORCH)
    return lambda command, *args: subprocess.run([sys.executable, script, command, *map(str, args)], capture_output=True,
                                                 text=True, timeout=600)

def probabilities(stdout):
    return [json.loads(line)['probabilities'] for line in stdout.strip().splitlines()]

@pytest.fixture(scope='module', params=['detector', 'esc10'])
def exported(request, tmp_path_factory):
    "A model (.pkl), its ONNX export, and real validation clips of its task."
    model, task = (request.getfixturevalue('quick_detector')[0], 'detect') if request.param == 'detector' else \
                  (request.getfixturevalue('quick_esc10'), 'esc10')
    onnx = tmp_path_factory.mktemp('onnx')/'model.onnx'
    r = run_cli('gunshot-export', '--model', model, '--out', onnx)
    assert r.returncode == 0, r.stderr[-3000:]
    return model, onnx, real_clips(task, n=2)

def test_onnx_matches_the_learner_without_torch(exported, without_torch):
    model, onnx, clips = exported
    meta = json.loads(onnx_description(onnx).read_text())
    learner = json.loads(model.with_suffix('.json').read_text())  # the learner's own description, untouched
    assert meta['format'] == 'onnx' and meta['classes'] == learner['classes'] and 'format' not in learner
    want = run_cli('gunshot-predict', '--model', model, '--json', *clips)
    got = without_torch('gunshot-predict', '--model', onnx, '--json', *clips)
    assert want.returncode == 0 and got.returncode == 0, want.stderr[-2000:] + got.stderr[-2000:]
    want, got = probabilities(want.stdout), probabilities(got.stdout)
    assert len(got) == len(clips) >= 4 and [list(p) for p in got] == [list(p) for p in want]
    assert max(abs(g[c] - w[c]) for g, w in zip(got, want) for c in w) <= 1e-4

def test_onnx_scan_without_torch(exported, without_torch):
    "Scanning and listening (a detector) or refusing to scan (a model with no gunshot class) work in the torch-free process too."
    model, onnx, clips = exported
    r = without_torch('gunshot-scan', '--model', onnx, '--json', clips[0])
    if 'gunshot' in json.loads(onnx_description(onnx).read_text())['classes']:
        assert r.returncode == 0, r.stderr[-2000:]
        one = without_torch('gunshot-scan', '--model', onnx, '--json', *clips)
        two = without_torch('gunshot-scan', '--model', onnx, '--json', '--workers', '2', *clips)  # workers stay torch-free
        assert one.returncode == two.returncode == 0 and two.stdout == one.stdout, two.stderr[-2000:]
        heard = without_torch('gunshot-listen', '--model', onnx, '--json', '--input', clips[0])  # listening, too
        assert heard.returncode == 0 and 'the input ended' in heard.stderr, heard.stderr[-2000:]
    else: assert r.returncode == 2 and 'gunshot-scan: error:' in r.stderr, r.stderr[-2000:]

def test_export_refusals(quick_detector, tmp_path):
    two_stage = tmp_path/'two-stage'; two_stage.mkdir(); (two_stage/'manifest.json').write_text('{}')
    for args, msg in [(['--model', two_stage, '--out', tmp_path/'m.onnx'], 'a two-stage model cannot be one ONNX network'),
                      (['--model', quick_detector[0], '--out', tmp_path/'m.pt'], '--out must end in .onnx'),
                      (['--model', tmp_path/'absent.pkl', '--out', tmp_path/'m.onnx'], 'model file not found')]:
        r = run_cli('gunshot-export', *args)
        assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not list(tmp_path.glob('m.*'))

def test_onnx_model_without_description_is_refused(exported, without_torch, tmp_path):
    _, onnx, clips = exported
    lone = tmp_path/'lone.onnx'; lone.write_bytes(onnx.read_bytes())
    r = without_torch('gunshot-predict', '--model', lone, clips[0])
    assert r.returncode == 2 and 'no readable description beside it' in r.stderr, r.stderr[-2000:]

def test_evaluate_scores_an_onnx_model_and_stores_its_threshold(quick_detector, tmp_path):
    "Evaluation goes through the model interface: an ONNX detector is scored like its learner, and its threshold goes into its description."
    onnx = tmp_path/'detect.onnx'
    assert run_cli('gunshot-export', '--model', quick_detector[0], '--out', onnx).returncode == 0
    learner, exported = (run_cli('gunshot-evaluate', '--model', m, '--out', tmp_path/f'eval-{m.suffix[1:]}') for m in (quick_detector[0], onnx))
    assert exported.returncode == 0, exported.stderr[-3000:]
    a, b = (json.loads((tmp_path/f'eval-{k}'/'metrics.json').read_text()) for k in ('pkl', 'onnx'))
    assert a['clips'] == b['clips'] and abs(a['detection']['roc_auc'] - b['detection']['roc_auc']) < 1e-3, (a['detection'], b['detection'])
    stored = run_cli('gunshot-evaluate', '--model', onnx, '--out', tmp_path/'eval-onnx', '--save-threshold')
    assert stored.returncode == 0, stored.stderr[-3000:]
    assert json.loads(onnx_description(onnx).read_text())['threshold']['class'] == 'gunshot'
