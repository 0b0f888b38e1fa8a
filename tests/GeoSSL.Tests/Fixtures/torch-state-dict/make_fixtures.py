"""Writes the small PyTorch state-dict fixtures the import tests read.

Run once with Debian 12's PyTorch (package python3-torch 1.13.1, no torchvision needed):
    apt-get install python3-torch
    /usr/bin/python3 make_fixtures.py
The outputs are committed; rerunning gives the same bytes for the same torch version (fixed seed).

The network is a torchvision-layout ResNet-18 shrunk to stay a few KB: base width 2 and one BasicBlock
per stage. Module and parameter names are exactly torchvision's (conv1, bn1, layer1.0.conv1,
layer2.0.downsample.0, fc, ...), so the C# importer sees what it sees in a real torchvision checkpoint.
"""
import json
import struct
import torch
import torch.nn as nn

torch.manual_seed(7)


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TinyResNet(nn.Module):
    def __init__(self, width=2, num_classes=5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        planes, layers = width, []
        for i in range(4):
            out = width * 2 ** i
            layers.append(nn.Sequential(BasicBlock(planes, out, 1 if i == 0 else 2)))
            planes = out
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(planes, num_classes)

    def features(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)


model = TinyResNet()
# Non-trivial BatchNorm statistics, so a test notices running_mean/var that are dropped or swapped.
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
            m.num_batches_tracked.fill_(123)
model.eval()
state = model.state_dict()

# 1. A plain torchvision state dict, as torchgeo and torchvision publish them.
torch.save(state, "tiny_resnet18.pth")

# 2. An official-GASSL/MoCo style checkpoint: {'epoch', 'arch', 'state_dict': {'module.encoder_q.*', 'module.encoder_k.*',
#    'module.queue', ...}, 'optimizer'}, with the MLP head under encoder_q.fc.0 / fc.2 as in moco/builder.py.
moco = {}
for side in ("encoder_q", "encoder_k"):
    for name, t in state.items():
        if name.startswith("fc."):
            continue
        moco[f"module.{side}.{name}"] = t.clone()
    moco[f"module.{side}.fc.0.weight"] = torch.randn(16, 16)
    moco[f"module.{side}.fc.0.bias"] = torch.zeros(16)
    moco[f"module.{side}.fc.2.weight"] = torch.randn(8, 16)
    moco[f"module.{side}.fc.2.bias"] = torch.zeros(8)
moco["module.queue"] = torch.randn(8, 32)
moco["module.queue_ptr"] = torch.zeros(1, dtype=torch.long)
torch.save({"epoch": 200, "arch": "resnet18", "state_dict": moco, "optimizer": {"state": {}, "param_groups": []}},
           "tiny_gassl_moco_checkpoint.pth.tar")


# 3. The same weights as safetensors (format: 8-byte little-endian header length, JSON header, raw little-endian data).
def save_safetensors(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


save_safetensors(state, "tiny_resnet18.safetensors")

# 4. Reference input and PyTorch's pooled features for it (eval mode), for the equivalence test.
x = torch.rand(2, 3, 32, 32) * 255.0
with torch.no_grad():
    torch.save({"input": x, "features": model.features(x)}, "tiny_resnet18_reference_io.pt")
print("features", model.features(x))
