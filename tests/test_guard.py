"The main job's guard, `gunshot-compare`, run as a real command: a worse detector fails against the committed reference, and a run passes against a reference made from itself."
import json
from gunshot_fastai.core import project_root
from gunshot_fastai.test_utils import run_cli
from gunshot_fastai.guard import CODEC_LIMITS

REFERENCE = project_root()/'results'/'detect'/'main.json'

def _report(model, out):
    r = run_cli('gunshot-evaluate', '--model', model, '--out', out)  # no --save-threshold: the shared model stays as it is
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return out/'metrics.json'

def test_a_worse_detector_fails_the_committed_reference(quick_detector, tmp_path):
    report = _report(quick_detector[0], tmp_path/'eval')  # a ResNet-18 trained on 40 clips a class for four epochs
    r = run_cli('gunshot-compare', report, '--reference', REFERENCE)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1].startswith('main job: worse than the reference') and 'WORSE' in r.stdout

def test_codec_invariance_is_checked_against_fixed_limits(quick_detector, tmp_path):
    report = _report(quick_detector[0], tmp_path/'eval')
    ref = run_cli('gunshot-compare', report, '--reference', tmp_path/'ref.json', '--update', '--made-by', 'quick')
    assert ref.returncode == 0, ref.stdout + ref.stderr
    over = CODEC_LIMITS['codec_decisions_flipped'] + 1  # one decision more than the limit allows
    flipped = {'conditions': [{'condition': 'original', 'decisions_flipped': 0, 'max_change': 0.},
                              {'condition': 'other_codec', 'decisions_flipped': over, 'max_change': 0.}]}
    (tmp_path/'codec.json').write_text(json.dumps(flipped))
    r = run_cli('gunshot-compare', report, '--reference', tmp_path/'ref.json', '--conditions', tmp_path/'codec.json')
    assert r.returncode == 1 and f"codec_decisions_flipped {over:.4f} (limit {over - 1:.4f}, WORSE)" in r.stdout and 'WORSE' in r.stdout, r.stdout + r.stderr
    (tmp_path/'none.json').write_text(json.dumps({'conditions': flipped['conditions'][:1]}))
    r = run_cli('gunshot-compare', report, '--reference', tmp_path/'ref.json', '--conditions', tmp_path/'none.json')
    assert r.returncode == 2 and "no 'other_codec' row" in r.stderr, r.stdout + r.stderr

def test_a_run_is_within_a_reference_made_from_it(quick_detector, tmp_path):
    report = _report(quick_detector[0], tmp_path/'eval')
    made = run_cli('gunshot-compare', report, '--reference', tmp_path/'ref.json', '--update', '--made-by', 'quick')
    assert made.returncode == 0, made.stdout + made.stderr
    assert json.loads((tmp_path/'ref.json').read_text())['command'] == 'quick'
    r = run_cli('gunshot-compare', report, '--reference', tmp_path/'ref.json')
    assert r.returncode == 0 and 'main job: within the reference' in r.stdout, r.stdout + r.stderr

def test_the_committed_reference_names_its_command_and_spread():
    ref = json.loads(REFERENCE.read_text())
    assert ref['command'].startswith('make main') and len(ref['runs']) >= 3
    assert set(ref['figures']) == set(ref['tolerance']) == {'accuracy', 'roc_auc', 'fpr_at_stored_threshold', 'worst_source_fpr'}
    assert all(v > 0 for v in ref['tolerance'].values())
