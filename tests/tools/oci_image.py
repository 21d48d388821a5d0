#!/usr/bin/python3
"""Write an OCI image layout tarball with one layer: a busybox rootfs.

  oci_image.py BUSYBOX OUT.tar NAME:TAG [CMD...]

The layer holds /bin/busybox and its applet links; `ctr images import`
takes the tarball (image name in the io.containerd.image.name annotation).
"""
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import time


def blob(tar, data, media):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + d[7:])
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))
    return {"mediaType": media, "digest": d, "size": len(data)}


def layer(busybox):
    applets = subprocess.run([busybox, "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for d in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "tmp", "proc", "sys", "dev", "root"):
            i = tarfile.TarInfo(d)
            i.type = tarfile.DIRTYPE
            i.mode = 0o1777 if d == "tmp" else 0o755
            t.addfile(i)
        t.add(busybox, "bin/busybox")
        for a in applets:
            if a == "bin/busybox":
                continue
            i = tarfile.TarInfo(a)
            i.type = tarfile.SYMTYPE
            i.linkname = "/bin/busybox"
            t.addfile(i)
        for name, body in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), ("etc/group", "root:x:0:\n")):
            i = tarfile.TarInfo(name)
            i.size = len(body)
            t.addfile(i, io.BytesIO(body.encode()))
    return buf.getvalue()


def main():
    busybox, out, name = sys.argv[1:4]
    cmd = sys.argv[4:] or ["/bin/sh"]
    lay = layer(busybox)
    diff = "sha256:" + hashlib.sha256(lay).hexdigest()
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": cmd, "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [diff]},
    }).encode()
    with tarfile.open(out, "w") as tar:
        ld = blob(tar, lay, "application/vnd.oci.image.layer.v1.tar")
        cd = blob(tar, config, "application/vnd.oci.image.config.v1+json")
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": cd, "layers": [ld]}).encode()
        md = blob(tar, manifest, "application/vnd.oci.image.manifest.v1+json")
        md["annotations"] = {"io.containerd.image.name": name,
                             "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]}
        md["platform"] = {"architecture": "amd64", "os": "linux"}
        for fname, body in (("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode()),
                            ("index.json", json.dumps({"schemaVersion": 2, "manifests": [md]}).encode())):
            i = tarfile.TarInfo(fname)
            i.size = len(body)
            tar.addfile(i, io.BytesIO(body))


if __name__ == "__main__":
    main()
