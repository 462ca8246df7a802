"""Train a tiny network by hand through fastnn's kernels: 2 inputs -> 8 tanh -> 1 sigmoid on
XOR-like data, plain gradient descent, the chain rule written out layer by layer.

    python examples/demo_kernels.py
"""

import numpy as np

import fastnn.kernels as K

rng = np.random.default_rng(0)

# Four clouds at the corners of a square; opposite corners share a label (XOR).
centers = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], dtype=np.float32)
labels = np.array([0, 0, 1, 1], dtype=np.float32)
pick = rng.integers(0, 4, 400)
X = (centers[pick] + 0.3 * rng.standard_normal((400, 2))).astype(np.float32)
T = labels[pick][:, None]

W1 = (rng.standard_normal((2, 8)) * 0.8).astype(np.float32)
b1 = np.zeros(8, np.float32)
W2 = (rng.standard_normal((8, 1)) * 0.8).astype(np.float32)
b2 = np.zeros(1, np.float32)
learning_rate = 0.5

for epoch in range(1, 501):
    Z1 = K.dense_forward(X, W1, b1)  # forward: weighted sums, then activations
    A1 = K.tanh_forward(Z1)
    Z2 = K.dense_forward(A1, W2, b2)  # output logits; the loss applies the sigmoid itself
    loss = K.sigmoid_binary_crossentropy_forward(Z2, T)

    dZ2 = K.sigmoid_binary_crossentropy_backward(Z2, T)  # backward: the chain rule
    dA1, dW2, db2 = K.dense_backward(A1, W2, dZ2)
    dZ1 = K.tanh_backward(Z1, A1, dA1)
    _, dW1, db1 = K.dense_backward(X, W1, dZ1)

    for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
        param -= learning_rate * grad  # gradient descent

    if epoch in (1, 10, 50, 100, 500):
        print(f"epoch {epoch:4d}  loss {loss:.4f}")

probabilities = K.sigmoid_forward(Z2)
accuracy = float(np.mean((probabilities > 0.5) == (T > 0.5)))
print(f"training accuracy {accuracy:.3f}")
