"""Regenerates oracle.json and files/ with Pillow 9.4.0 + numpy 1.24.2 (the reference versions).

Run with Debian 12's python3-pil / python3-numpy:  /usr/bin/python3 generate.py
Independent of the Java code: resize outputs come from Pillow itself; the processor cases follow
transformers' DPTImageProcessor steps (ALGORITHM.md) with numpy; loader cases use
ImageOps.exif_transpose(img).convert("RGB") as transformers.image_utils.load_image does.
"""
import hashlib, io, json, math, os, struct, zlib
import numpy as np
import PIL
from PIL import Image, ImageOps

assert PIL.__version__ == "9.4.0", PIL.__version__
HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "..", "image_processor", "images")
FILES = os.path.join(HERE, "files")
sha = lambda b: hashlib.sha256(b).hexdigest()

def img(name):
    return Image.open(os.path.join(IMAGES, name))

out = {"pillow": PIL.__version__, "numpy": np.__version__, "resize": [], "processor": [], "loader": []}

# ---- 1. Pillow resize, every filter, many sizes (RGB and L)
sizes = [(384, 384), (383, 257), (1, 1), (2, 3), (451, 1), (1, 300), (97, 61), (1000, 700), (451, 300),
         (450, 301), (17, 600), (800, 150), (226, 150), (150, 100), (113, 75), (640, 427), (5, 299), (452, 299)]
for src, mode in (("chelsea_451x300.png", "RGB"), ("camera_gray_256x200.png", "L"), ("chelsea_tiny_7x5.png", "RGB")):
    im = img(src).convert(mode)
    ss = sizes if src != "chelsea_tiny_7x5.png" else [(384, 384), (8, 5), (7, 6), (3, 2), (100, 13)]
    if mode == "L":
        ss = sizes[:10]
    for f in range(6):
        for (w, h) in ss:
            r = im.resize((w, h), resample=f)
            out["resize"].append({"image": src, "mode": mode, "resample": f, "width": w, "height": h,
                                  "sha256": sha(np.array(r).tobytes())})

# ---- 2. processor cases (transformers' DPTImageProcessor steps with numpy)
def get_size(in_h, in_w, oh, ow, keep, mult):
    sh, sw = oh / in_h, ow / in_w
    if keep:
        if abs(1 - sw) < abs(1 - sh):
            sh = sw
        else:
            sw = sh
    c = lambda v: round(v / mult) * mult
    return c(sh * in_h), c(sw * in_w)

def process(arr, cfg):
    x = arr
    if cfg["do_resize"]:
        h, w = get_size(x.shape[0], x.shape[1], cfg["size"]["height"], cfg["size"]["width"],
                        cfg["keep_aspect_ratio"], cfg["ensure_multiple_of"])
        x = np.array(Image.fromarray(x).resize((w, h), resample=cfg["resample"]))
    if cfg["do_rescale"]:
        x = (x.astype(np.float64) * cfg["rescale_factor"]).astype(np.float32)
    if cfg["do_normalize"]:
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(np.float32)
        x = (x - np.array(cfg["image_mean"], dtype=x.dtype)) / np.array(cfg["image_std"], dtype=x.dtype)
    if cfg["do_pad"]:
        d = cfg["size_divisor"]
        def gp(s):
            n = math.ceil(s / d) * d
            p = n - s
            return p // 2, p - p // 2
        x = np.pad(x, (gp(x.shape[0]), gp(x.shape[1]), (0, 0)), constant_values=0)
    return np.ascontiguousarray(x.transpose(2, 0, 1)).astype(np.float32)

base = {"do_resize": True, "size": {"height": 384, "width": 384}, "keep_aspect_ratio": False, "ensure_multiple_of": 1,
        "resample": 3, "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_pad": False, "size_divisor": None}
imagenet = {"image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}
variants = [
    {"resample": 1}, {"resample": 4}, {"resample": 5}, {"resample": 0}, {"resample": 2},
    dict(imagenet, keep_aspect_ratio=True, ensure_multiple_of=14, size={"height": 518, "width": 518}, resample=3),
    dict(imagenet, keep_aspect_ratio=True, ensure_multiple_of=32, size={"height": 256, "width": 320}, resample=1),
    dict(imagenet, do_pad=True, size_divisor=14, size={"height": 250, "width": 333}),
    {"do_rescale": False, "do_normalize": True, "image_mean": [123.675, 116.28, 103.53],
     "image_std": [58.395, 57.12, 57.375], "do_resize": False, "do_pad": True, "size_divisor": 32},
    {"do_normalize": False},
    {"do_rescale": True, "rescale_factor": 0.5, "do_normalize": False, "size": {"height": 100, "width": 700}},
    {"keep_aspect_ratio": True, "ensure_multiple_of": 1, "size": {"height": 1000, "width": 1000}, "resample": 5},
]
for src in ("astronaut_crop_400x320.png", "coffee_crop_384x208.png", "rocket_213x142.png"):
    arr = np.array(ImageOps.exif_transpose(img(src)).convert("RGB"))
    for i, v in enumerate(variants):
        cfg = dict(base, **v)
        x = process(arr, cfg)
        out["processor"].append({"image": src, "config": cfg, "shape": list(x.shape), "sha256": sha(x.tobytes())})

# ---- 3. loader cases: files of many kinds, expected = load_image (exif_transpose + convert RGB)
def png_raw(w, h, bitdepth, colortype, rows, plte=None, trns=None, exif=None):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b"".join(b"\x00" + r for r in rows)
    s = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bitdepth, colortype, 0, 0, 0))
    if plte: s += chunk(b"PLTE", plte)
    if trns: s += chunk(b"tRNS", trns)
    if exif: s += chunk(b"eXIf", exif)
    return s + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

rng = np.random.default_rng(5)
W, H = 13, 7
files = {}
a16 = rng.integers(0, 65536, size=(H, W, 3), dtype=np.uint16)
files["rgb16.png"] = png_raw(W, H, 16, 2, [a16[y].astype(">u2").tobytes() for y in range(H)])
a16a = rng.integers(0, 65536, size=(H, W, 4), dtype=np.uint16)
files["rgba16.png"] = png_raw(W, H, 16, 6, [a16a[y].astype(">u2").tobytes() for y in range(H)])
g16 = rng.integers(0, 65536, size=(H, W), dtype=np.uint16); g16[0, :5] = [0, 1, 254, 255, 256]
files["gray16.png"] = png_raw(W, H, 16, 0, [g16[y].astype(">u2").tobytes() for y in range(H)])
la = rng.integers(0, 256, size=(H, W, 2), dtype=np.uint8)
files["gray_alpha8.png"] = png_raw(W, H, 8, 4, [la[y].tobytes() for y in range(H)])
la16 = rng.integers(0, 65536, size=(H, W, 2), dtype=np.uint16)
files["gray_alpha16.png"] = png_raw(W, H, 16, 4, [la16[y].astype(">u2").tobytes() for y in range(H)])
for bits in (1, 2, 4):
    v = rng.integers(0, 1 << bits, size=(H, W))
    def pack(row, bits=bits):
        bitsstr = "".join(format(int(x), "0%db" % bits) for x in row)
        bitsstr += "0" * (-len(bitsstr) % 8)
        return bytes(int(bitsstr[i:i + 8], 2) for i in range(0, len(bitsstr), 8))
    files["gray%d.png" % bits] = png_raw(W, H, bits, 0, [pack(v[y]) for y in range(H)])
    pal = rng.integers(0, 256, size=(1 << bits) * 3, dtype=np.uint8).tobytes()
    files["palette%d.png" % bits] = png_raw(W, H, bits, 3, [pack(v[y]) for y in range(H)], plte=pal)
pv = rng.integers(0, 200, size=(H, W), dtype=np.uint8)
pal = rng.integers(0, 256, size=200 * 3, dtype=np.uint8).tobytes()
files["palette8_trns.png"] = png_raw(W, H, 8, 3, [pv[y].tobytes() for y in range(H)], plte=pal,
                                    trns=bytes(range(0, 200, 2)))
rgba = rng.integers(0, 256, size=(H, W, 4), dtype=np.uint8)
files["rgba8.png"] = png_raw(W, H, 8, 6, [rgba[y].tobytes() for y in range(H)])
photo = img("chelsea_451x300.png").convert("RGB").crop((100, 50, 161, 91))   # 61x41 real photo
for o in range(1, 9):
    ex = Image.Exif(); ex[0x0112] = o
    b = io.BytesIO(); photo.save(b, "JPEG", quality=90, exif=ex.tobytes()); files["exif%d.jpg" % o] = b.getvalue()
ex = Image.Exif(); ex[0x0112] = 6
b = io.BytesIO(); photo.save(b, "PNG", exif=ex.tobytes()); files["exif6.png"] = b.getvalue()
for ss in (0, 1, 2):
    b = io.BytesIO(); photo.save(b, "JPEG", quality=85, subsampling=ss, progressive=ss == 2)
    files["photo_ss%d.jpg" % ss] = b.getvalue()
b = io.BytesIO(); photo.convert("L").save(b, "JPEG", quality=85); files["gray.jpg"] = b.getvalue()
lin = open(os.path.join(HERE, "linear_rgb.icc"), "rb").read() if os.path.exists(os.path.join(HERE, "linear_rgb.icc")) else None
if lin:
    b = io.BytesIO(); photo.save(b, "JPEG", quality=85, icc_profile=lin); files["icc_linear.jpg"] = b.getvalue()
for name, mode in (("photo24.bmp", "RGB"), ("photo8.bmp", "P"), ("photo1.bmp", "1")):
    b = io.BytesIO(); (photo.convert(mode) if mode != "P" else photo.quantize(50)).save(b, "BMP"); files[name] = b.getvalue()
b = io.BytesIO(); photo.quantize(64).save(b, "GIF"); files["photo.gif"] = b.getvalue()
b = io.BytesIO(); photo.convert("L").save(b, "GIF"); files["gray.gif"] = b.getvalue()
for name, data in sorted(files.items()):
    open(os.path.join(FILES, name), "wb").write(data)
    im = Image.open(io.BytesIO(data))
    rgb = ImageOps.exif_transpose(im).convert("RGB")
    out["loader"].append({"file": name, "pil_mode": im.mode, "width": rgb.size[0], "height": rgb.size[1],
                          "sha256": sha(np.array(rgb).tobytes())})

json.dump(out, open(os.path.join(HERE, "oracle.json"), "w"), indent=1)
print(len(out["resize"]), "resize,", len(out["processor"]), "processor,", len(out["loader"]), "loader cases")
