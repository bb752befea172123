"""Where an archive scan's time goes: each file's scanning seconds and the wall time, per engine, on the same files.

    python tools/archive_engines.py models/detect.onnx [--files 8] [--minutes 10] [--repeats 2]

Three ways to scan the same real recordings (`scan_bench.real_mixtures` of fold 1) with 2 workers: `scan_archive`
on Dask (`engine='dask'`), `scan_archive` on its process pool (`engine='processes'`), and `scan.scan_files`' pool (what
`gunshot-scan --workers 2` runs). For the first two it prints each file's seconds inside its worker (`scan_record`),
so that the engines' own costs (start, dispatch, close) are told apart from the scanning itself. Then the Dask
cluster's start and close alone, with and without `archive.warm_worker`. Issue 28's diagnosis in the 2026-12-06
closing note came from this script.
"""
import argparse, json, tempfile, time
from functools import partial
from gunshot_fastai.archive import archive_executor, scan_archive, warm_worker
from gunshot_fastai.scan import scan_files
from gunshot_fastai.scan_bench import real_mixtures

def timed_scan(engine:str, model, paths) -> dict:
    "Total seconds, `scan_archive`'s wall seconds and each file's seconds in its worker, of one engine."
    t0, seconds, wall = time.perf_counter(), [], None
    if engine == 'scan_files': list(scan_files(model, paths, workers=2))
    else: wall = scan_archive(model, paths, None, engine=engine, workers=2, progress=False, on_record=lambda r: seconds.append(r['seconds']))['wall_s']
    return {'engine': engine, 'total_s': round(time.perf_counter() - t0, 1), 'scan_archive_wall_s': wall,
            'file_s_mean': round(sum(seconds)/len(seconds), 3) if seconds else None}

if __name__ == '__main__':  # the engines spawn processes that import this file
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('model'); p.add_argument('--files', type=int, default=8)
    p.add_argument('--minutes', type=float, default=10.); p.add_argument('--repeats', type=int, default=2)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        paths = [f for f, _ in real_mixtures(d, [a.minutes], copies=a.files)]
        for rep in range(a.repeats):
            for engine in ('dask', 'processes', 'scan_files'): print(json.dumps({'repeat': rep, **timed_scan(engine, a.model, paths)}), flush=True)
    for warm in (None, partial(warm_worker, a.model, 1)):
        t0 = time.perf_counter()
        _, _, close = archive_executor('dask', 2, warm=warm)
        t1 = time.perf_counter(); close()
        print(json.dumps({'dask_cluster': 'warmed' if warm else 'bare', 'start_s': round(t1 - t0, 2), 'close_s': round(time.perf_counter() - t1, 2)}), flush=True)
