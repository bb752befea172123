"`gunshot-scan`, `gunshot-serve` and `gunshot-evaluate` as real subprocesses, as a user runs them."
import json, socket, subprocess, sys, time, urllib.error, urllib.request
from pathlib import Path
import pandas as pd
import pytest
from gunshot_fastai.core import data_root
from gunshot_fastai.data import task_frame
from gunshot_fastai.mixtures import build_mixture
from gunshot_fastai.metrics import event_metrics
from gunshot_fastai.test_utils import gunshot_like, noise, write_clip, run_cli as run
from gunshot_fastai.test_utils import toy_model

@pytest.fixture(scope='module')
def mixture(tmp_path_factory):
    d = tmp_path_factory.mktemp('mix')
    bg = [write_clip(d/f'bg{i}.flac', noise(duration=5.0, amp=0.03, seed=i)) for i in range(3)]
    shots = [write_clip(d/f'shot{i}.wav', gunshot_like(duration=1.5, at=0.3, floor=0.01, seed=20 + i)) for i in range(3)]
    mix, truth = build_mixture(bg, shots, duration=90., n_shots=6, snr_db=15., min_gap=6., seed=3)
    return write_clip(d/'street.flac', mix), truth

def test_scan_json_finds_the_inserted_shots(toy, mixture):
    path, truth = mixture
    r = run('gunshot-scan', '--model', toy, path, '--json')
    assert r.returncode == 0, r.stderr[-3000:]
    events = [json.loads(l) for l in r.stdout.strip().splitlines()]
    assert events and all(set(e) == {'path', 'start', 'end', 'peak', 'probability', 'mean_probability', 'label'} for e in events)
    assert {e['label'] for e in events} == {'gunshot'}
    m = event_metrics(events, truth)
    assert m['recall'] == 1.0 and m['precision'] == 1.0, m
    assert m['median_onset_error_s'] < 0.05, m
    assert 'scanned 25% of 90 s' in r.stderr and '█' not in r.stderr  # a 90 s recording in a log: a line per quarter, no bar

def test_scan_reports_a_bad_file_and_goes_on(toy, mixture, tmp_path):
    corrupt = tmp_path/'corrupt.wav'; corrupt.write_text('not audio')
    r = run('gunshot-scan', '--model', toy, corrupt, mixture[0], '--json', '--threshold', '0.9', '--hop', '1.0')
    assert r.returncode == 1
    lines = [json.loads(l) for l in r.stdout.strip().splitlines()]
    assert lines[0]['path'] == str(corrupt) and 'cannot decode' in lines[0]['error']
    assert len(lines) > 1 and all(l['probability'] >= 0.9 for l in lines[1:])
    assert all(abs(l['start'] - round(l['start'])) < 1e-9 for l in lines[1:])  # --hop 1.0: windows start on whole seconds

def test_scan_with_two_workers_answers_like_one_in_the_order_given(toy, mixture, tmp_path):
    corrupt = tmp_path/'corrupt.wav'; corrupt.write_text('not audio')
    files = [mixture[0], corrupt, mixture[0]]
    one = run('gunshot-scan', '--model', toy, *files, '--json', '--hop', '1.0')
    two = run('gunshot-scan', '--model', toy, *files, '--json', '--hop', '1.0', '--workers', '2')
    assert one.returncode == two.returncode == 1, two.stderr[-3000:]
    assert two.stdout == one.stdout  # the same lines in the same order, whichever worker finished first
    lines = [json.loads(l) for l in two.stdout.strip().splitlines()]
    errors = [i for i, l in enumerate(lines) if 'error' in l]
    assert len(errors) == 1 and lines[errors[0]]['path'] == str(corrupt)
    assert errors[0] == len(lines)//2  # between the two scans of the same recording, each with its events
    assert run('gunshot-scan', '--model', toy, *files, '--workers', '0').returncode == 2

def test_scan_refuses_a_model_that_is_not_a_detector(tmp_path, mixture):
    classifier = toy_model(tmp_path, classes=('bang', 'hum'))
    r = run('gunshot-scan', '--model', classifier, mixture[0])
    assert r.returncode == 2 and "cannot scan for" in r.stderr

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _post(url, path, name=None):
    body = (b'--xx\r\nContent-Disposition: form-data; name="file"; filename="' + (name or Path(path).name).encode() +
            b'"\r\n\r\n' + Path(path).read_bytes() + b'\r\n--xx--\r\n')
    req = urllib.request.Request(url, data=body, headers={'Content-Type': 'multipart/form-data; boundary=xx'})
    try:
        with urllib.request.urlopen(req, timeout=60) as r: return r.status, json.load(r)
    except urllib.error.HTTPError as e: return e.code, json.load(e)

def test_real_server_answers_a_real_clip(toy, tmp_path):
    port = _free_port()
    url = f'http://127.0.0.1:{port}'
    server = subprocess.Popen([str(Path(sys.executable).parent/'gunshot-serve'), '--model', str(toy), '--port', str(port),
                               '--max-duration', '60'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(240):
            try: health = json.load(urllib.request.urlopen(url + '/health', timeout=1)); break
            except OSError: time.sleep(0.5)
        else: pytest.fail('server did not come up')
        assert health['status'] == 'ok'
        assert json.load(urllib.request.urlopen(url + '/model', timeout=5))['classes'] == ['gunshot', 'other']
        df = task_frame('detect', data_root())
        real = df[(df.label == 'gunshot') & (df.fold == 1)].path.iloc[0]  # a real recording
        status, body = _post(url + '/predict', real)
        assert status == 200 and body['label'] in ('gunshot', 'other') and body['filename'] == Path(real).name
        assert abs(sum(body['probabilities'].values()) - 1) < 1e-5
        status, body = _post(url + '/scan', real)
        assert status == 200 and isinstance(body['events'], list) and body['duration_s'] > 0
        bad = tmp_path/'bad.wav'; bad.write_text('not audio')
        status, body = _post(url + '/predict', bad)
        assert status == 422 and body['detail'].startswith('the upload: ') and str(tmp_path) not in body['detail']
        long = write_clip(tmp_path/'long.wav', noise(duration=61.0))
        status, body = _post(url + '/scan', long)
        assert status == 413 and 'limit of 60' in body['detail']
    finally:
        server.terminate(); out = server.communicate(timeout=30)[0]
    assert 'Traceback' not in out, out[-3000:]

def test_evaluate_cross_validates_baselines(tmp_path):
    r = run('gunshot-evaluate', '--task', 'esc10', '--folds', '2', '--methods', 'mfcc_lr', '--out', tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    cv = pd.read_csv(tmp_path/'cv.csv')
    assert cv.fold.tolist() == [1, 2] and cv.accuracy.between(0.3, 1).all()
    assert (tmp_path/'cv_summary.csv').is_file() and (tmp_path/'mfcc_lr'/'fold2'/'confusion.png').is_file()
    m = json.loads((tmp_path/'mfcc_lr'/'fold1'/'metrics.json').read_text())
    assert len(m['classes']) == 10 and sum(map(sum, m['confusion'])) == m['clips'] == (task_frame('esc10').fold == 1).sum()

def test_evaluate_usage_errors(toy, tmp_path):
    assert run('gunshot-evaluate', '--out', tmp_path).returncode == 2  # neither a model nor a task
    r = run('gunshot-evaluate', '--model', toy, '--task', 'esc10', '--out', tmp_path)
    assert r.returncode == 2 and "trained for 'toy'" in r.stderr
    r = run('gunshot-evaluate', '--model', tmp_path/'absent.pkl', '--out', tmp_path)
    assert r.returncode == 2 and 'model file not found' in r.stderr
