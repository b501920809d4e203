"""Status-word names and PC/SC result codes → the devices layer's errors."""

from __future__ import annotations

import pytest
from smartcard import scard

from app.core.errors import UserFacingError
from app.devices.errors import (
    ApduError,
    CardRemovedError,
    DeviceError,
    NoReaderError,
    NoServiceError,
    PinError,
    sw_name,
)
from app.devices.monitor import ServiceState
from app.devices.pcsc import check


@pytest.mark.parametrize("sw, name", [(0x9000, "SUCCESS"), (0x6983, "AUTH_METHOD_BLOCKED"),
                                      (0x6A82, "FILE_NOT_FOUND"), (0x61FF, "MORE_DATA"),
                                      (0x63C1, "VERIFY_FAIL_TRIES_LEFT"), (0x1234, "UNKNOWN")])
def test_status_word_names(sw, name):
    assert sw_name(sw) == name


def test_apdu_error_carries_data_sw_and_name():
    err = ApduError(b"\x01", 0x6A82, "GET DATA")
    assert (err.data, err.sw, err.sw_name) == (b"\x01", 0x6A82, "FILE_NOT_FOUND")
    assert str(err) == "GET DATA: SW 6A82 FILE_NOT_FOUND"
    assert isinstance(err, DeviceError) and isinstance(err, UserFacingError)
    assert PinError(0x63C1, 1).text.args["tries_left"] == 1


@pytest.mark.parametrize("hr, error", [
    (scard.SCARD_E_NO_SERVICE, NoServiceError), (scard.SCARD_E_SERVICE_STOPPED, NoServiceError),
    (scard.SCARD_E_NO_READERS_AVAILABLE, NoReaderError),
    (scard.SCARD_W_REMOVED_CARD, CardRemovedError), (scard.SCARD_E_SHARING_VIOLATION, DeviceError),
    (scard.SCARD_E_NO_SERVICE - 2**32, NoServiceError),  # negative, as on Windows
])
def test_pcsc_results_map_to_errors(hr, error):
    with pytest.raises(error) as raised:
        check(hr, "SCardX")
    assert type(raised.value) is error
    assert str(raised.value).startswith("SCardX: ")
    check(scard.SCARD_S_SUCCESS, "SCardX")


def test_every_service_state_has_a_message():
    assert all(str(state.text) for state in ServiceState)
