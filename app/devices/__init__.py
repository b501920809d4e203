"""The QHR access key: PC/SC (pyscard, only here), USB (pyusb, only here), PIV, PKCS#11
(python-pkcs11, only here), token table.

Tiers (after yubikey-manager): a `Device` is a cheap descriptor from a scan; a `Connection`
moves APDUs (`send_and_receive(apdu) -> (data, sw)`); a `PivSession` speaks the card's PIV
application, or a `Pkcs11Session` the token's own middleware (`pkcs11_key.open_key` picks:
raw PIV when the card answers it, else the PKCS#11 module of its family in the token table).
`choose` says which card is the key among several, for the session and `key diagnose` alike.
`KeyMonitor` turns PC/SC status changes into `key_inserted` / `key_removed` on the
one thread that makes PC/SC calls. The virtual key and the test PKI live in `app.demo`
(demo and tests only, left out of the workstation bundle).

Errors (app.devices.errors):
DeviceError                      root of this layer (a UserFacingError: translatable `text`)
├── NoServiceError               smart-card service missing or stopped
├── NoReaderError                no reader / the reader went away
├── CardRemovedError             the key was removed during an operation
├── ApduError(data, sw)          card answered with a status word ≠ 90 00 (`sw_name`)
│   ├── PinError(tries_left)     wrong PIN (63 Cx; None: the token does not say how many)
│   └── PinBlockedError          PIN blocked (69 83, 63 C0): unblocked by the issuer (PUK)
├── PinFormatError               PIN outside the PIV rules (6-8 digits): refused, nothing sent
├── NotPivError                  no PIV application and no middleware module reads it
├── UnsupportedKeyError          key type not ECC P-256/P-384 or RSA 2048/3072 (before the PIN)
└── VirtualKeyForbiddenError     virtual key asked for outside the demo and the tests
"""
