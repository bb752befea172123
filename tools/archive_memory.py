"""What the client of a Dask archive scan holds as the number of files grows, and where it was allocated.

    python tools/archive_memory.py models/detect.onnx --counts 2000 6000 12000 --out results/archive/memory.json

`archive_bench.archive_overhead` measures the client's peak Python memory (the in-process scheduler included) over
tiny files; this breaks down what is still held when the last file's record arrives: `tracemalloc`'s allocation sites
(file and line) with their bytes per file scanned, and the size of `dask.utils.key_split`'s cache (an LRU cache of up to
100 000 task keys the scheduler fills, one entry per file); then what is still held once the scan has returned (its
cluster closed) and what clearing that cache frees. About 9 minutes on 2 CPU cores.
"""
import argparse, gc, itertools, json, tempfile, time, tracemalloc
from pathlib import Path
import numpy as np, soundfile as sf
from dask.utils import key_split
from gunshot_fastai.archive import scan_archive
from gunshot_fastai.audio import DEFAULT_SR
from gunshot_fastai.core import atomic_write

def held_sites(snapshot:tracemalloc.Snapshot, files:int, top:int=8) -> list[dict]:
    "The largest allocation sites in `snapshot`, with their bytes per file."
    site = lambda f: f"{f.filename.split('site-packages/')[-1].split('gunshot_fastai/')[-1]}:{f.lineno}"
    return [{'site': site(s.traceback[0]), 'kib': round(s.size/1024), 'blocks': s.count, 'bytes_per_file': round(s.size/files, 1)}
            for s in snapshot.statistics('lineno')[:top]]

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('model'); ap.add_argument('--counts', type=int, nargs='+', default=[2000, 6000, 12000]); ap.add_argument('--out')
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        clip = Path(d)/'clip.wav'  # quiet noise, half a second: the engine's cost, not the detector's
        sf.write(clip, 0.01*np.random.default_rng(0).standard_normal(round(0.5*DEFAULT_SR)), DEFAULT_SR)
        scan_archive(a.model, [clip], None, engine='dask', workers=2, progress=False)  # Dask imported once, not counted
        for n in a.counts:
            folder = Path(d)/f'n{n}'; folder.mkdir()
            for i in range(n): (folder/f'{i:05d}.wav').hardlink_to(clip)
            key_split.cache_clear()
            finished, end = itertools.count(1), {}
            def on_record(r):
                if next(finished) == n: end.update(snapshot=tracemalloc.take_snapshot(), held=tracemalloc.get_traced_memory()[0],
                                                   keys=key_split.cache_info().currsize)
            tracemalloc.start(); t0 = time.perf_counter()
            scan_archive(a.model, [folder], Path(d)/f'table{n}', engine='dask', workers=2, progress=False, on_record=on_record)
            seconds, peak = time.perf_counter() - t0, tracemalloc.get_traced_memory()[1]
            gc.collect(); after = tracemalloc.get_traced_memory()[0]
            key_split.cache_clear(); gc.collect(); cleared = tracemalloc.get_traced_memory()[0]; tracemalloc.stop()
            rows.append({'files': n, 'seconds': round(seconds, 1), 'peak_mb': round(peak/2**20, 1),
                         'held_at_last_record_mb': round(end['held']/2**20, 1), 'key_split_cache_entries': end['keys'],
                         'held_after_scan_mb': round(after/2**20, 2), 'freed_by_clearing_key_split_mb': round((after - cleared)/2**20, 2),
                         'sites': held_sites(end['snapshot'], n)})
            print(json.dumps({k: v for k, v in rows[-1].items() if k != 'sites'}), *(f"  {s}" for s in rows[-1]['sites']), sep='\n', flush=True)
    if a.out:
        with atomic_write(a.out) as f: f.write(json.dumps({'command': f"python tools/archive_memory.py {a.model} --counts {' '.join(map(str, a.counts))} --out {a.out}",
                                                           'date': time.strftime('%Y-%m-%d %H:%M %Z'), 'rows': rows}, indent=1).encode())
