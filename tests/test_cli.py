"The `gunshot-render` console script (features into the cache), run as a real subprocess: exit codes, summaries, bad inputs, a killed run."
import os, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd
import pytest
import numpy as np
from gunshot_fastai.test_utils import gunshot_like, write_clip, run_cli

RENDER = Path(sys.executable).parent/'gunshot-render'

def run_render(*args): return run_cli('gunshot-render', *args, timeout=300)

def cached(folder): return sorted(Path(folder).rglob('*.npy'))

@pytest.fixture
def clips(tmp_path):
    folder = tmp_path/'clips'; folder.mkdir()
    for i, ext in enumerate(('.wav', '.flac', '.ogg', '.mp3')): write_clip(folder/f'shot{i}{ext}', gunshot_like(seed=i))
    return folder

def test_all_good_exits_0_and_rerun_renders_nothing(clips, tmp_path):
    first = run_render(clips, '--out', tmp_path/'out', '--quiet')
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith('4 rendered, 0 already cached, 0 failed')
    again = run_render(clips, '--out', tmp_path/'out', '--quiet')
    assert again.returncode == 0 and again.stdout.startswith('0 rendered, 4 already cached, 0 failed')
    assert len(cached(tmp_path/'out')) == 4

def test_corrupt_file_is_skipped_and_reported_with_exit_1(clips, tmp_path):
    (clips/'corrupt.flac').write_bytes(b'\x00not flac at all'*64)
    r = run_render(clips, '--out', tmp_path/'out', '--quiet')
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.startswith('4 rendered, 0 already cached, 1 failed')
    failed = [l for l in r.stdout.splitlines() if 'FAILED' in l]
    assert len(failed) == 1 and 'corrupt.flac' in failed[0] and 'cannot decode' in failed[0]
    assert len(cached(tmp_path/'out')) == 4

def test_changed_config_renders_into_a_new_folder(clips, tmp_path):
    assert run_render(clips, '--out', tmp_path/'out', '--quiet').returncode == 0
    r = run_render(clips, '--out', tmp_path/'out', '--quiet', '--n-mels', '32')
    assert r.returncode == 0 and r.stdout.startswith('4 rendered, 0 already cached')
    folders = sorted(p for p in (tmp_path/'out').iterdir())
    assert len(folders) == 2
    assert sorted(np.load(cached(f)[0]).shape[0] for f in folders) == [32, 64]  # the default: the ResNets' 64 mel bands

def test_manifest_csv_relative_to_root_reports_missing_rows(clips, tmp_path):
    csv = tmp_path/'manifest.csv'
    pd.DataFrame({'path': ['shot0.wav', 'shot1.flac', 'gone.wav']}).to_csv(csv, index=False)
    r = run_render(csv, '--root', clips, '--out', tmp_path/'out', '--quiet')
    assert r.returncode == 1
    assert r.stdout.startswith('2 rendered, 0 already cached, 1 failed')
    assert 'gone.wav: file not found' in r.stdout

def test_images_are_written_one_folder_per_label(clips, tmp_path):
    "`--images`: the network's input of each clip as a PNG, under its manifest's label (or its folder's name), as `ImageDataLoaders.from_folder` reads."
    from PIL import Image
    csv = tmp_path/'manifest.csv'
    pd.DataFrame({'path': ['shot0.wav', 'shot1.flac'], 'label': ['gunshot', 'other']}).to_csv(csv, index=False)
    r = run_render(csv, clips/'shot2.ogg', '--root', clips, '--out', tmp_path/'out', '--quiet', '--arch', 'mn04', '--images', tmp_path/'img')
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == f"3 images -> {tmp_path/'img'}/<label>/"
    pngs = sorted(tmp_path.glob('img/*/*.png'))
    assert [p.parent.name for p in pngs] == ['clips', 'gunshot', 'other']
    assert {Image.open(p).mode for p in pngs} == {'L'} and Image.open(pngs[0]).size == (200, 128)  # mn04: one channel, 128 bands × 200 frames

@pytest.mark.parametrize('args, message', [
    ([], 'the following arguments are required: --out'),
    (['--out', 'x', '--n-mels', 'many'], "invalid int value: 'many'"),
    (['--out', 'x', '--fmax', '9000'], 'fmax=9000'),
    (['--out', 'x', '--norm', 'loud'], "norm must be 'peak', 'rms' or 'none'"),
])
def test_usage_errors_exit_2(clips, args, message):
    r = run_render(clips, *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr

def test_killed_run_leaves_no_partial_image_and_resumes(tmp_path):
    src = tmp_path/'many'; src.mkdir()
    n = 80
    for i in range(n): write_clip(src/f'clip{i:03}.flac', gunshot_like(duration=4.0, at=1.0+i%5*0.4, seed=i))
    out = tmp_path/'out'
    proc = subprocess.Popen([str(RENDER), str(src), '--out', str(out), '--quiet'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while not cached(out) and time.time() < deadline and proc.poll() is None: time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    done = cached(out)
    assert 0 < len(done) < n, f"the kill should land mid-run, but {len(done)} of {n} files existed"
    for p in done: np.load(p)  # every file that exists is complete
    r = run_render(src, '--out', out, '--quiet')
    assert r.returncode == 0, r.stdout
    assert r.stdout.startswith(f'{n - len(done)} rendered, {len(done)} already cached, 0 failed')
    assert len(cached(out)) == n
