"Training beyond one process through fastai's `distrib_ctx`, launched by `torchrun`: two CPU processes (gloo)."
import json, os, re, subprocess, sys
from pathlib import Path
from conftest import real_clips
from gunshot_fastai.test_utils import run_cli

def test_two_processes_train_and_one_exports(tmp_path):
    out = tmp_path/'models'/'detect.pkl'
    bin = Path(sys.executable).parent
    cmd = [bin/'torchrun', '--standalone', '--nproc_per_node', '2', bin/'gunshot-train', '--task', 'detect', '--quick',
           '--arch', 'small_cnn', '--out', out]
    r = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, timeout=900, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    log = r.stdout + r.stderr
    assert r.returncode == 0, log[-4000:]
    digests = {rank: (start, end) for rank, start, end in re.findall(r"process (\d) of 2: training done, parameters (\w+) -> (\w+)", log)}
    assert sorted(digests) == ['0', '1'], log[-4000:]
    assert digests['0'] == digests['1'], digests  # DDP averaged every gradient: one model, in both processes
    assert digests['0'][0] != digests['0'][1], digests  # and training moved it
    assert log.count(f'export to {out}: done') == 1, log[-4000:]
    assert sorted(p.name for p in out.parent.iterdir() if p.is_file()) == ['detect.json', 'detect.pkl']
    meta = json.loads(out.with_suffix('.json').read_text())
    assert meta['classes'] == ['gunshot', 'other']
    assert [st['epochs_run'] for st in meta['stages']] == [4], meta['stages']  # the quick schedule: one stage of four epochs
    p = run_cli('gunshot-predict', '--model', out, '--json', *real_clips())
    assert p.returncode == 0, p.stderr[-2000:]
    assert [json.loads(l)['label'] in ('gunshot', 'other') for l in p.stdout.splitlines()] == [True, True]
