"`gunshot-listen` as a real subprocess: standard input, a file at real-time pace, SIGTERM, the webhook and its outbox, no microphone."
import json, signal, socket, subprocess, sys, threading, time
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import numpy as np
import pytest
import soundfile as sf
from gunshot_fastai.mixtures import build_mixture
from gunshot_fastai.metrics import event_metrics
from gunshot_fastai.test_utils import gunshot_like, noise, write_clip, run_cli as run

@pytest.fixture(scope='module')
def street(tmp_path_factory):
    "A 24-second WAV street recording with three bangs at known times, and the table of them."
    d = tmp_path_factory.mktemp('street')
    bg = [write_clip(d/f'bg{i}.wav', noise(duration=5.0, amp=0.03, seed=i)) for i in range(3)]
    shots = [write_clip(d/f'shot{i}.wav', gunshot_like(duration=1.5, at=0.3, floor=0.01, seed=20 + i)) for i in range(3)]
    mix, truth = build_mixture(bg, shots, duration=24., n_shots=2, snr_db=15., min_gap=6., seed=3)
    return write_clip(d/'street.wav', mix), truth

def _events(stdout:str) -> list[dict]: return [json.loads(l) for l in stdout.strip().splitlines()]

def _found_every_shot(events, truth):
    m = event_metrics([{'peak': e['stream_time']} for e in events], truth)
    assert m['precision'] == 1.0 and m['recall'] == 1.0, (m, events)
    assert all(min(abs(e['stream_time'] - truth.onset)) < 0.5 for e in events), (events, truth)

LISTEN = str(Path(sys.executable).parent/'gunshot-listen')  # this environment's command, whatever PATH says

def listen(*args, **kw): return run('gunshot-listen', *args, **kw)

def test_stdin_wav_and_raw_pcm(toy, street):
    path, truth = street
    r = subprocess.run(f"cat {path} | {LISTEN} --model {toy} --input - --json", shell=True, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    events = _events(r.stdout)
    _found_every_shot(events, truth)
    assert all(set(e) == {'time', 'stream_time', 'probability', 'label'} for e in events)  # a pipe is not paced: no latency
    assert 'the input ended; heard 24.0 s of audio' in r.stderr
    pcm = sf.read(path, dtype='int16')[0].astype('<i2').tobytes()
    raw = subprocess.run([LISTEN, '--model', str(toy), '--input', '-', '--raw-rate', '16000', '--json'],
                         input=pcm, capture_output=True, timeout=300)
    assert raw.returncode == 0, raw.stderr[-3000:]
    assert [e['stream_time'] for e in _events(raw.stdout.decode())] == [e['stream_time'] for e in events]
    junk = subprocess.run([LISTEN, '--model', str(toy), '--input', '-'], input=b'no audio here'*50, capture_output=True, timeout=300)
    assert junk.returncode == 1 and b'stdin: not a WAV or Ogg stream' in junk.stderr, junk.stderr[-2000:]

def test_realtime_file_reports_latency(toy, street):
    path, truth = street
    t0 = time.monotonic()
    r = listen('--model', toy, '--input', path, '--realtime', '--json')
    assert r.returncode == 0, r.stderr[-3000:]
    assert time.monotonic() - t0 >= 24  # it listened at the pace of the recording
    events = _events(r.stdout)
    _found_every_shot(events, truth)
    for e in events:
        onset = truth.onset[np.argmin(abs(truth.onset - e['stream_time']))]
        assert 0 < e['latency'] + e['stream_time'] - onset < 3, e  # decided within 3 s of the shot's first sample

def test_sigterm_stops_cleanly(toy, street):
    p = subprocess.Popen([LISTEN, '--model', str(toy), '--input', str(street[0]), '--realtime'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while 'listening to' not in (line := p.stderr.readline()): assert line, 'gunshot-listen ended before listening'
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err[-3000:]
    assert 'stopped by a signal' in err and 'Traceback' not in err, err[-3000:]

class _Receiver:
    "An HTTP server on 127.0.0.1 answering 500 to its first `fail_first` POSTs, then 200; keeps the JSON it took."
    def __init__(self, fail_first=0):
        self.got, self.calls = [], 0
        outer = self
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.calls += 1
                body = self.rfile.read(int(self.headers['Content-Length']))
                if outer.calls <= fail_first: self.send_response(500)
                else: outer.got.append(json.loads(body)); self.send_response(200)
                self.end_headers()
            def log_message(self, *a): pass
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/alert"

def test_webhook_retries_then_delivers(toy, street, tmp_path):
    rx = _Receiver(fail_first=1)
    r = listen('--model', toy, '--input', street[0], '--json', '--webhook', rx.url, '--outbox', tmp_path/'outbox.jsonl')
    rx.server.shutdown()
    assert r.returncode == 0, r.stderr[-3000:]
    assert rx.got == _events(r.stdout) and len(rx.got) == 2  # each event, as printed, after the first answer's 500
    assert rx.calls == 3 and not (tmp_path/'outbox.jsonl').exists()
    assert 'webhook delivered 2, 0 appended' in r.stderr

def test_dead_webhook_never_stops_listening(toy, street, tmp_path):
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]  # nothing listens there
    outbox = tmp_path/'outbox.jsonl'
    r = listen('--model', toy, '--input', street[0], '--json', '--webhook', f'http://127.0.0.1:{port}/', '--outbox', outbox)
    assert r.returncode == 0, r.stderr[-3000:]
    events = _events(r.stdout)
    _found_every_shot(events, street[1])  # listening went on
    assert _events(outbox.read_text()) == events
    assert f'webhook delivered 0, 2 appended to {outbox}' in r.stderr and 'refused' in r.stderr

def test_no_microphone_is_a_clear_usage_error(toy):
    r = listen('--model', toy, '--device', 'no such microphone')
    last = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 2 and last.startswith('gunshot-listen: error: ') and '--input FILE --realtime' in last, r.stderr[-3000:]
    assert 'Traceback' not in r.stderr

def test_continuous_detector_trains_and_listens_at_its_threshold(tmp_path):
    "`gunshot-train --task continuous` (quick, small CNN) exports a detector on unaligned windows that listens at its stored listening threshold."
    out = tmp_path/'continuous.pkl'
    r = run('gunshot-train', '--task', 'continuous', '--arch', 'small_cnn', '--quick', '--out', out)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    meta = json.loads(out.with_suffix('.json').read_text())
    assert meta['task'] == 'continuous' and meta['spec']['align'] is False and meta['classes'] == ['gunshot', 'other']
    t = meta['threshold']
    assert t['class'] == 'gunshot' and 'training folds [2]' in t['chosen_on'] and f"listening threshold {t['value']:g}" in r.stdout
    from gunshot_fastai.mixtures import mixture_sources, write_mixture
    background, shots = mixture_sources(fold=1)
    write_mixture(tmp_path/'fold1.flac', background, shots, duration=30., n_shots=2, snr_db=20., seed=0)
    r = listen('--model', out, '--input', tmp_path/'fold1.flac', '--json')
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"at p >= {t['value']:.3f}" in r.stderr and all(e['label'] == 'gunshot' for e in _events(r.stdout))
