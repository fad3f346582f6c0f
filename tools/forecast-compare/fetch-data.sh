#!/bin/sh
# Regenerates data/demo{N}.csv and data/forecast{N}.json (the demo is seeded by
# size AND by day, so other days give other series). Used on 2026-12-03.
set -e; cd /tmp/ets-compare; B=/root/.cache/quarterdeck-target/debug/quarterdeck; mkdir -p data
p=18555
for n in 300 1000 3000; do
  $B demo --customers $n --data-dir demo$n --no-serve > gen$n.log 2>&1
  T=$(grep -o 'qd_[0-9a-f]*' gen$n.log | head -1)
  $B serve --listen 127.0.0.1:$p --data-dir demo$n > serve$n.log 2>&1 & pid=$!; sleep 4
  curl -s -H "Authorization: Bearer $T" "http://127.0.0.1:$p/api/v1/metrics/movements?interval=month&from=2010-01-01&to=2026-11-30" > data/movements$n.json
  curl -s -H "Authorization: Bearer $T" "http://127.0.0.1:$p/api/v1/metrics/forecast" > data/forecast$n.json
  kill $pid
  python3 -c "
import json; b=json.load(open('data/movements$n.json'))['buckets']; v=[(x['date'],x['mrr_end']) for x in b]
i=next(i for i,(d,m) in enumerate(v) if m); open('data/demo$n.csv','w').write('date,mrr\n'+''.join(f'{d},{m}\n' for d,m in v[i:]))"
  p=$((p+1))
done
