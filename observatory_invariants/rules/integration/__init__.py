"""Integration gate and harness hygiene: the gate runs when contracts or services change (I1/I2), the harness
is self-contained, within budget and captures artifacts (I3–I5), k8s and compose agree (I7); I6 is governance."""
