"""Writes expected-digests.json: sha256 of each tensor's raw bytes in the reference safetensors files
(shared/testdata/dpt/<case>/model.safetensors), parsed here with the standard library only, so the
Java .bin tests compare against values computed independently of the code under test.

usage: python3 make_digests.py SHARED_TESTDATA OUT.json
"""
import hashlib, json, struct, sys

def digests(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == '__metadata__':
            continue
        s, e = v['data_offsets']
        out[k] = [v['dtype'], v['shape'], hashlib.sha256(b[8 + n + s:8 + n + e]).hexdigest()]
    return out

root = sys.argv[1]
res = {case: digests(f'{root}/dpt/{src}/model.safetensors')
       for case, src in [('bin-zip', 'vit-depth'), ('bin-legacy', 'hybrid-depth'), ('bin-sharded', 'seg-aux')]}
json.dump(res, open(sys.argv[2], 'w'), indent=1, sort_keys=True)
