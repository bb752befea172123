"`gunshot-train` and `gunshot-predict` as real subprocesses, and an exported model loaded in a fresh Python process."
import json, subprocess, sys
from pathlib import Path
import pytest
from conftest import real_clips
from gunshot_fastai.test_utils import gunshot_like, tone, write_clip, run_cli as run

@pytest.fixture
def clips(tmp_path):
    good = write_clip(tmp_path/'shot.flac', gunshot_like(at=0.4), 44_100)
    hum = write_clip(tmp_path/'hum.ogg', tone(300), 22_050)
    corrupt = tmp_path/'corrupt.wav'; corrupt.write_text('not audio at all')
    return good, hum, corrupt

def test_train_exports_model_and_description(quick_detector):
    out, stdout = quick_detector
    meta = json.loads(out.with_suffix('.json').read_text())
    assert meta['task'] == 'detect' and meta['classes'] == ['gunshot', 'other']
    assert meta['weights'] == 'none (random initialisation)' and meta['pretrained'] is False and meta['arch'] == 'resnet18'
    assert {'valid_loss', 'accuracy', 'roc_auc_score'} <= set(meta['valid_metrics'])
    assert len(meta['manifest_sha1']) == 40 and meta['quick'] is True
    assert 'weights: none (random initialisation)' in stdout and 'lr_find suggestions: valley' in stdout
    assert 'train_loss' in stdout and '█' not in stdout  # a pipe, not a terminal: each epoch's row, no bar drawn per batch

def test_fresh_process_loads_and_predicts(quick_detector, clips):
    out, _ = quick_detector
    code = ("import json, sys; from gunshot_fastai.load import load_model; "
            "m = load_model(sys.argv[1]); print(json.dumps(m.predict_file(sys.argv[2])))")
    r = subprocess.run([sys.executable, '-c', code, str(out), str(clips[0])], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    pred = json.loads(r.stdout.strip().splitlines()[-1])
    assert pred['label'] in ('gunshot', 'other')
    assert abs(sum(pred['probabilities'].values()) - 1) < 1e-5
    assert pred['probability'] == max(pred['probabilities'].values())

def test_load_learner_alone_predicts_a_real_clip_in_a_fresh_process(quick_detector):
    "An exported learner carries its audio pipeline: fastai's `load_learner` and `predict` are all a user needs."
    out, _ = quick_detector
    code = ("import sys; from fastai.learner import load_learner; l = load_learner(sys.argv[1]); "
            "label, _, probs = l.predict(sys.argv[2]); print(label, *probs.tolist())")
    for clip in real_clips():
        r = subprocess.run([sys.executable, '-c', code, str(out), str(clip)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        label, *probs = r.stdout.strip().splitlines()[-1].split()  # (above it, fastai's progress bar)
        assert label in ('gunshot', 'other') and abs(sum(map(float, probs)) - 1) < 1e-5

def test_learn_predict_and_gunshot_predict_agree(quick_detector):
    "One inference path: `Learner.predict` and `gunshot-predict --json` give the same probabilities for real clips."
    from fastai.learner import load_learner
    out, _ = quick_detector
    learn = load_learner(out)
    r = run('gunshot-predict', '--model', out, '--json', *real_clips())
    assert r.returncode == 0, r.stderr[-2000:]
    for line, clip in zip(r.stdout.strip().splitlines(), real_clips()):
        cli = json.loads(line)['probabilities']
        _, _, probs = learn.predict(clip)
        assert max(abs(cli[c] - float(p)) for c, p in zip(learn.dls.vocab, probs)) < 1e-5, (cli, probs)

def test_predict_json_reports_bad_files_and_goes_on(quick_detector, clips):
    out, _ = quick_detector
    good, hum, corrupt = clips
    r = run('gunshot-predict', '--model', out, good, corrupt, hum, good.parent/'missing.wav', '--json')
    assert r.returncode == 1, r.stderr[-2000:]
    lines = [json.loads(l) for l in r.stdout.strip().splitlines()]
    assert [Path(l['path']).name for l in lines] == ['shot.flac', 'corrupt.wav', 'hum.ogg', 'missing.wav']
    assert 'label' in lines[0] and 'label' in lines[2]
    assert 'cannot decode' in lines[1]['error'] and lines[3]['error'] == 'file not found'
    assert run('gunshot-predict', '--model', out, good, hum).returncode == 0

def test_predict_refuses_what_is_not_a_model(tmp_path, clips):
    fake = tmp_path/'fake.pkl'; fake.write_text('not a model')
    r = run('gunshot-predict', '--model', fake, clips[0])
    assert r.returncode == 2 and 'cannot load as a fastai learner' in r.stderr
    r = run('gunshot-predict', '--model', tmp_path/'absent.pkl', clips[0])
    assert r.returncode == 2 and 'model file not found' in r.stderr

def test_train_usage_errors(tmp_path):
    r = run('gunshot-train', '--task', 'birds', '--out', tmp_path/'x.pkl')
    assert r.returncode == 2 and "invalid choice: 'birds'" in r.stderr
    r = run('gunshot-train', '--task', 'detect', '--quick', '--weights', 'imagenet', '--out', tmp_path/'x.pkl',
            env={'TORCH_HOME': str(tmp_path/'empty_torch_home')})
    assert r.returncode == 2 and 'resnet18-f37072fd.pth' in r.stderr and "weights='none'" in r.stderr
    assert 'Traceback' not in r.stderr
    assert not (tmp_path/'x.pkl').exists()

def test_evaluate_scores_the_validation_fold_and_stores_a_threshold(quick_detector, clips, tmp_path):
    import shutil
    model = tmp_path/'detect.pkl'
    shutil.copy(quick_detector[0], model); shutil.copy(quick_detector[0].with_suffix('.json'), model.with_suffix('.json'))
    r = run('gunshot-evaluate', '--model', model, '--out', tmp_path/'eval', '--save-threshold', '--conditions', 'other_codec')
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    codec = json.loads((tmp_path/'eval'/'conditions.json').read_text())['conditions']
    assert [c['condition'] for c in codec] == ['original', 'other_codec'] and codec[0]['decisions_flipped'] == 0
    m = json.loads((tmp_path/'eval'/'metrics.json').read_text())
    meta = json.loads(model.with_suffix('.json').read_text())
    assert m['clips'] == meta['valid_clips'] and set(m['classes']) == {'gunshot', 'other'}
    t = m['detection']['threshold_for_fnr']
    assert t['fnr'] <= 0.01 and meta['threshold']['value'] == t['value'] and meta['threshold']['class'] == 'gunshot'
    per_source = (tmp_path/'eval'/'per_source.csv').read_text()
    assert 'kaggle_8guns' in per_source and 'esc50' in per_source
    for f in ('roc_pr.png', 'confusion.png', 'top_losses.png', 'predictions.csv'): assert (tmp_path/'eval'/f).is_file()
    r = run('gunshot-predict', '--model', model, clips[0], '--json')
    pred = json.loads(r.stdout.strip().splitlines()[-1])
    assert pred['threshold'] == t['value']
    assert pred['label'] == ('gunshot' if pred['probabilities']['gunshot'] >= t['value'] else 'other')

def test_evaluate_refuses_unknown_conditions_before_scoring(quick_detector, tmp_path):
    r = run('gunshot-evaluate', '--model', quick_detector[0], '--out', tmp_path/'eval', '--conditions', 'far_10db,underwater')
    assert r.returncode == 2 and "unknown condition 'underwater'" in r.stderr and not (tmp_path/'eval').exists(), r.stderr[-2000:]

def test_audioset_quick_model_says_what_it_started_from_and_predicts(tmp_path):
    "The offline check of transfer learning: a quick AudioSet mn04 detector names its weights and its probe head, and predicts from the shell."
    out = tmp_path/'m.pkl'
    r = run('gunshot-train', '--task', 'detect', '--arch', 'mn04', '--weights', 'audioset', '--quick', '--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    meta = json.loads(out.with_suffix('.json').read_text())
    assert meta['weights'].startswith('AudioSet (EfficientAT mn04_as') and meta['pretrained'] is True
    assert meta['head_init'].startswith('linear probe (training accuracy'), meta['head_init']
    from gunshot_fastai.train import task_recipe
    assert meta['recipe'] == task_recipe('detect').describe('detect'), meta['recipe']  # the recipe detection was validated with
    from fastai.learner import load_learner
    from gunshot_fastai.learner import BesideProbe
    assert isinstance(load_learner(out).model, BesideProbe)  # the fine-tuned network answers beside its probe (a pickle: this test's own)
    r = run('gunshot-export', '--model', out, '--out', tmp_path/'m.onnx')  # the pair as one ONNX graph, checked against the learner
    assert r.returncode == 0 and (tmp_path/'m.onnx').is_file(), r.stderr[-3000:]
    shot, other = real_clips()  # one validation clip of each class, in label order
    r = run('gunshot-predict', '--model', out, '--json', shot, other)
    assert r.returncode == 0, r.stderr[-3000:]
    p_shot, p_other = (json.loads(l)['probabilities']['gunshot'] for l in r.stdout.strip().splitlines())
    assert p_shot > 0.5 > p_other, (p_shot, p_other)  # AudioSet features tell a real gunshot from another sound at once
