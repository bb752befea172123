"""False alerts per hour against event recall, threshold by threshold, for each listening detector.

    python tools/alert_tradeoff.py models/detect.onnx models/continuous.onnx --out results/listen/alert_tradeoff.csv

`gunshot-bench` reports each detector at its own threshold: so many false alerts in an hour of its validation fold's
other sounds, so many shots heard in mixtures of the same fold. `listen_bench.alert_tradeoff` listens to the same
recordings at every threshold of `listen_bench.ALERT_GRID`; this writes one row per model and threshold to OUT. About
3 minutes a model on 2 CPU cores (201 s and 169 s for the two above).
"""
import argparse, time
from pathlib import Path
import pandas as pd, torch
from gunshot_fastai.core import atomic_write
from gunshot_fastai.listen_bench import alert_tradeoff

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('models', nargs='+'); ap.add_argument('--out', required=True)
    a = ap.parse_args()
    torch.set_num_threads(2)
    tables = []
    for m in a.models:
        t0 = time.perf_counter()
        tables.append(alert_tradeoff(m).assign(model=Path(m).name))
        print(f'{m}: {time.perf_counter() - t0:.0f} s', flush=True)
    table = pd.concat(tables)[['model', 'threshold', 'own', 'alerts_per_hour', 'recall_10db', 'recall_0db', 'set_off_most_by']]
    with atomic_write(Path(a.out)) as f: table.to_csv(f, index=False)
    print(table.round(4).to_string(index=False))
