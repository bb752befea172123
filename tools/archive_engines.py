"""Where an archive scan's time goes: each engine's start, scanning and close on the same files, workers forked or spawned.

    python tools/archive_engines.py models/detect.onnx [--files 8] [--minutes 10] [--repeats 2] [--out results/archive/engines.json]

The same real recordings (`scan_bench.real_mixtures` of fold 1) scanned with 2 workers by `scan_archive` on Dask and on
its process pool, each with workers forked and spawned (`archive.start_method`), and by `scan.scan_files`' pool (what
`gunshot-scan --workers 2` runs). For `scan_archive` it gives the seconds until the workers are ready (the cluster
started and each worker warmed, `warm_worker`), each file's seconds inside its worker (`scan_record`), and the close,
so that the engines' own costs are told apart from the scanning. Run it with the ONNX export: with torch loaded in
this process, forking is what `start_method` avoids.
"""
import argparse, json, tempfile, time
import gunshot_fastai.archive as archive
from gunshot_fastai.scan import scan_files
from gunshot_fastai.scan_bench import real_mixtures

def timed_scan(engine:str, start:str, model, paths) -> dict:
    "Total, start, close and mean in-worker seconds of one scan."
    marks, seconds, t0 = {}, [], time.perf_counter()
    if engine == 'scan_files': list(scan_files(model, paths, workers=2))
    else:
        opened = archive.archive_executor
        def timed_executor(*a, **k):  # the engine's start and close, timed where scan_archive calls them
            ex, slots, close = opened(*a, **k); marks['ready_s'] = time.perf_counter() - t0
            def timed_close(): c = time.perf_counter(); close(); marks['close_s'] = time.perf_counter() - c
            return ex, slots, timed_close
        archive.archive_executor = timed_executor
        try: archive.scan_archive(model, paths, None, engine=engine, workers=2, start=start, progress=False, on_record=lambda r: seconds.append(r['seconds']))
        finally: archive.archive_executor = opened
    return {'engine': engine, 'start': start, 'total_s': round(time.perf_counter() - t0, 2), **{k: round(v, 2) for k, v in marks.items()},
            'file_s_mean': round(sum(seconds)/len(seconds), 3) if seconds else None}

if __name__ == '__main__':  # spawned workers import this file
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('model'); p.add_argument('--files', type=int, default=8)
    p.add_argument('--minutes', type=float, default=10.); p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--out', help='also write the rows to this JSON file')
    a = p.parse_args()
    runs = [('dask', 'fork'), ('dask', 'spawn'), ('processes', 'fork'), ('processes', 'spawn'), ('scan_files', None)]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        paths = [f for f, _ in real_mixtures(d, [a.minutes], copies=a.files)]
        for rep in range(a.repeats):
            for engine, start in runs:
                rows.append({'repeat': rep, 'files': a.files, 'minutes': a.minutes, **timed_scan(engine, start, a.model, paths)})
                print(json.dumps(rows[-1]), flush=True)
    if a.out:
        with open(a.out, 'w') as f: json.dump({'command': f"python tools/archive_engines.py {a.model} --files {a.files} --minutes {a.minutes:g} --repeats {a.repeats} --out {a.out}",
                                               'rows': rows}, f, indent=1)
