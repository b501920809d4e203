"""Demo and test material, never on a clinic workstation: the virtual QHR key (`virtual_key`)
with its PIV applet (`piv_applet`), the test PKI that issues its certificate (`test_pki`, a CA
private key), and the private pcscd with the vpcd reader driver (`vpcd_daemon`).

The workstation bundle leaves this whole package out with one rule (installer/flavours.py,
`DEMO_ONLY`); the demo bundle, the tests and the benchmarks use it. It sits beside the devices
layer and may import it, never the other way round.
"""
