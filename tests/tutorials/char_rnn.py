"""Char-RNN name classifier: a hand-written RNN cell trained with manual SGD on p.data, then nn.RNN with Adam."""
import json
import random
import string

import torch
import torch.nn as nn

torch.manual_seed(2)
random.seed(2)
all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
categories = ["A", "B", "C"]
# each category's "names" use its own 8 letters, so the task is learnable
data = {c: ["".join(random.choice(string.ascii_lowercase[i * 8:(i + 1) * 8]) for _ in range(random.randint(3, 8)))
            for _ in range(20)] for i, c in enumerate(categories)}


def line_to_tensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size, hidden_size)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        hidden = torch.tanh(self.i2h(input) + self.h2h(hidden))
        return self.softmax(self.h2o(hidden)), hidden

    def init_hidden(self):
        return torch.zeros(1, self.hidden_size)


rnn = RNN(n_letters, 32, len(categories))
criterion = nn.NLLLoss()
learning_rate = 0.01


def train(category_tensor, line_tensor):
    hidden = rnn.init_hidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item()


cell_losses, total = [], 0.0
for it in range(100):
    c = random.choice(categories)
    _, loss = train(torch.tensor([categories.index(c)], dtype=torch.long), line_to_tensor(random.choice(data[c])))
    total += loss
    if it % 25 == 24:
        cell_losses.append(total / 25)
        total = 0.0


class Classifier(nn.Module):
    """The same task with nn.RNN (two layers, batch_first) and the last layer's final hidden state."""
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(n_letters, 32, num_layers=2, batch_first=True, nonlinearity="tanh")
        self.fc = nn.Linear(32, 3)

    def forward(self, x):
        out, h = self.rnn(x)
        return self.fc(h[-1])


model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
rnn_losses = []
for it in range(30):
    c = random.choice(categories)
    x = line_to_tensor(random.choice(data[c])).transpose(0, 1)
    loss = nn.functional.cross_entropy(model(x), torch.tensor([categories.index(c)]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 10 == 0:
        rnn_losses.append(loss.item())
topv, topi = model(line_to_tensor("abc").transpose(0, 1)).topk(1, 1, True)
print("RESULT", json.dumps({"cell_losses": cell_losses, "rnn_losses": rnn_losses,
                            "top": [list(topv.shape), topi.item(), topv.item()]}))
