"""The AG_NEWS text-classification tutorial on synthetic data: a vocabulary built from tokenised text, a collate_fn
that concatenates token ids and records offsets, nn.EmbeddingBag(mode='mean') + Linear, SGD with StepLR and
gradient clipping, train/evaluate loops with accuracy counts, and predicting the label of new text."""
import json
import time

import torch
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data.dataset import random_split

torch.manual_seed(2)
topics = [["ball", "team", "goal", "match", "coach"], ["stock", "market", "bank", "price", "trade"],
          ["chip", "software", "robot", "code", "phone"], ["vote", "law", "senate", "minister", "war"]]
filler = ["the", "a", "of", "in", "and", "new", "today", "says"]
g = torch.Generator().manual_seed(0)
train_iter = []
for i in range(96):
    label = i % 4
    n = int(torch.randint(3, 9, (1,), generator=g))
    words = [topics[label][int(j)] if torch.rand(1, generator=g).item() < 0.5 else filler[int(j) % len(filler)]
             for j in torch.randint(0, 5, (n,), generator=g)]
    train_iter.append((label + 1, " ".join(words)))
tokenizer = str.split
vocab = {"<unk>": 0}
for _, text in train_iter:
    for tok in tokenizer(text):
        vocab.setdefault(tok, len(vocab))
text_pipeline = lambda x: [vocab.get(t, 0) for t in tokenizer(x)]
label_pipeline = lambda x: int(x) - 1


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list, text_list, offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        return self.fc(self.embedding(text, offsets))


num_class = len(set([label for (label, text) in train_iter]))
model = TextClassificationModel(len(vocab), 16, num_class)


def train(dataloader):
    model.train()
    total_acc, total_count = 0, 0
    for idx, (label, text, offsets) in enumerate(dataloader):
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
    return total_acc / total_count, loss.item()


def evaluate(dataloader):
    model.eval()
    total_acc, total_count = 0, 0
    with torch.no_grad():
        for idx, (label, text, offsets) in enumerate(dataloader):
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
    return total_acc / total_count, loss.item()


EPOCHS, LR, BATCH_SIZE = 4, 5, 16
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
total_accu = None
num_train = int(len(train_iter) * 0.75)
split_train_, split_valid_ = random_split(train_iter, [num_train, len(train_iter) - num_train])
train_dataloader = DataLoader(split_train_, batch_size=BATCH_SIZE, shuffle=True, collate_fn=collate_batch)
valid_dataloader = DataLoader(split_valid_, batch_size=BATCH_SIZE, shuffle=True, collate_fn=collate_batch)
log = []
for epoch in range(1, EPOCHS + 1):
    epoch_start_time = time.time()
    train_acc, train_loss = train(train_dataloader)
    accu_val, val_loss = evaluate(valid_dataloader)
    if total_accu is not None and total_accu > accu_val:
        scheduler.step()
    else:
        total_accu = accu_val
    log.append([train_acc, train_loss, accu_val, val_loss, scheduler.get_last_lr()[0]])


def predict(text, text_pipeline):
    with torch.no_grad():
        text = torch.tensor(text_pipeline(text))
        output = model(text, torch.tensor([0]))
        return output.argmax(1).item() + 1, output.softmax(1).tolist()


# the other EmbeddingBag modes and per_sample_weights
bag_sum = nn.EmbeddingBag(10, 3, mode="sum")
bag_max = nn.EmbeddingBag(10, 3, mode="max")
inp, offs = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 4])
psw = torch.rand(8)
out_w = bag_sum(inp, offs, per_sample_weights=psw)
out_w.sum().backward()
bag2d = nn.EmbeddingBag.from_pretrained(torch.arange(12.0).view(4, 3), mode="mean")
pred = predict("the team goal in the match", text_pipeline)
print("RESULT " + json.dumps({"log": log, "vocab": len(vocab), "pred": pred,
                              "sum": out_w.tolist(), "grad": bag_sum.weight.grad.tolist(),
                              "max": bag_max(inp, offs).tolist(),
                              "pretrained": bag2d(torch.tensor([[0, 1], [2, 3]])).tolist()}))
