"""XOR: the problem a single perceptron cannot solve and one hidden layer can.

    python examples/xor.py

The four corners of the unit square, labelled 1 where exactly one input is 1. No line
separates the two classes, so Rosenblatt's perceptron never stops making mistakes; a network
with one hidden layer of tanh neurons bends the boundary and gets all four right.
"""

import numpy as np

import fastnn as fnn

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y = np.array([0, 1, 1, 0], dtype=np.float32)

perceptron = fnn.Perceptron(max_epochs=100, seed=0).fit(X, y)
print(f"perceptron: converged={perceptron.converged_}, accuracy {perceptron.score(X, y):.2f}")

model = fnn.Sequential(
    [fnn.Dense(4, activation="tanh", input_dim=2), fnn.Dense(1, activation="sigmoid")], seed=0
)
model.compile(
    optimizer=fnn.optimizers.Adam(learning_rate=0.05),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history = model.fit(X, y, epochs=300, batch_size=4, verbose=0)
print(
    f"network:    loss {history.history['loss'][-1]:.4f}, "
    f"accuracy {history.history['accuracy'][-1]:.2f}"
)
print("predictions:", np.round(model.predict(X).ravel(), 3))
