"Archive scanning on a real Dask LocalCluster of two worker processes: interrupted and killed scans lose no finished file."
import os, signal
import pytest
import psutil
from gunshot_fastai.archive import DetectionTable, archive_files, scan_archive, scan_record
from gunshot_fastai.test_utils import gunshot_like, noise, run_cli, write_clip

N = 8

@pytest.fixture(scope='module')
def archive(tmp_path_factory):
    "Eight 6 s recordings, a bang in every third, and one broken file."
    site = tmp_path_factory.mktemp('archive')
    for i in range(N):
        y = noise(duration=6., amp=0.01, seed=i)
        if i % 3 == 0: y[32_000:56_000] += gunshot_like(duration=1.5, at=0.1, seed=i)
        write_clip(site/f'rec{i}.wav', y)
    (site/'broken.wav').write_bytes(b'RIFF' + bytes(40))
    return site

def _events(table): return sorted(table.read('events')[['path', 'start', 'end', 'peak']].itertuples(index=False, name=None))

def test_dask_finds_what_one_process_finds(toy, archive, tmp_path):
    s = scan_archive(toy, [archive], tmp_path/'t', engine='dask', workers=2, progress=False)
    assert (s['files'], s['errors'], s['workers']) == (N + 1, 1, 2)
    alone = sorted((e['path'], e['start'], e['end'], e['peak']) for p in archive_files([archive]).path for e in scan_record(toy, p)['events'])
    assert len(alone) == 3 and _events(DetectionTable(tmp_path/'t')) == alone

def test_onnx_workers_forked_find_what_one_process_finds(toy, archive, tmp_path):
    "With the ONNX export the command loads no torch, so its LocalCluster's workers are forked (`archive.start_method`): same events."
    onnx = tmp_path/'toy.onnx'
    assert run_cli('gunshot-export', '--model', toy, '--out', onnx).returncode == 0
    r = run_cli('gunshot-scan', archive, '--model', onnx, '--engine', 'dask', '--workers', '2', '--out', tmp_path/'t')
    assert r.returncode == 1 and 'broken.wav: ERROR' in r.stdout and '9 file(s) scanned' in r.stderr, r.stderr[-2000:]  # exit 1: a file failed
    alone = sorted((e['path'], e['start'], e['end'], e['peak']) for p in archive_files([archive]).path for e in scan_record(onnx, p)['events'])
    assert len(alone) == 3 and _events(DetectionTable(tmp_path/'t')) == alone

def test_ctrl_c_keeps_finished_files_and_a_rerun_completes(toy, archive, tmp_path):
    seen = []
    def stop_after_three(r):
        seen.append(r['path'])
        if len(seen) == 3: raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        scan_archive(toy, [archive], tmp_path/'t', engine='dask', workers=2, on_record=stop_after_three, progress=False)
    table = DetectionTable(tmp_path/'t')
    assert sorted(table.read('files').path) == sorted(seen)  # written on the way out
    rest = scan_archive(toy, [archive], tmp_path/'t', engine='dask', workers=2, progress=False)
    assert (rest['skipped'], rest['files']) == (3, N + 1 - 3)
    files = table.read('files')
    assert len(files) == files.path.nunique() == N + 1  # every file once: nothing lost, nothing scanned twice
    assert len(_events(table)) == 3

def _worker_processes():
    "This process's Dask worker processes (spawned by the LocalCluster's nannies, which live in this process)."
    return [p for p in psutil.Process().children(recursive=True) if 'spawn_main' in ' '.join(p.cmdline())]

def test_a_killed_worker_loses_no_finished_file(toy, archive, tmp_path):
    killed = []
    def kill_one(r):
        if not killed:
            victim = _worker_processes()[0]
            os.kill(victim.pid, signal.SIGKILL); killed.append(victim.pid)
    s = scan_archive(toy, [archive], tmp_path/'t', engine='dask', workers=2, on_record=kill_one, progress=False)
    assert killed and s['files'] == N + 1
    files = DetectionTable(tmp_path/'t').read('files')
    assert len(files) == files.path.nunique() == N + 1
    assert files.query('status == "error"').path.map(lambda p: p.endswith('broken.wav')).tolist() == [True]  # the killed worker's file was scanned again
    assert len(_events(DetectionTable(tmp_path/'t'))) == 3

def test_sigterm_stops_the_command_and_keeps_finished_files(toy, tmp_path):
    import subprocess, sys
    from pathlib import Path
    site = tmp_path/'site'; site.mkdir()
    for i in range(60): write_clip(site/f'rec{i:02d}.wav', noise(duration=6., amp=0.01, seed=i))
    cmd = [str(Path(sys.executable).parent/'gunshot-scan'), str(site), '--model', str(toy), '--out', str(tmp_path/'t'), '--workers', '1']
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()  # one file has finished (no events in noise: its "0 event(s)" line)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=120)
    assert 'event(s)' in first and p.returncode == 1, (first, err[-2000:])
    assert 'interrupted; the files that finished are in' in err
    assert 1 <= len(DetectionTable(tmp_path/'t').read('files')) < 60
