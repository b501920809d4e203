"""RamqDesk (app.workstation.contracts) over the signed-in Session: app.ramq.service.RamqService
with the session's client (None when signed in offline: the cache answers) and the store reached
through its one executor thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.core.account_request import AccountRequest, RequestRecord
    from app.core.ramq import Eligibility, FamilyPhysician, ImportConfig, ImportStatus
    from app.ramq.service import ConfigView, Looked, RamqService
    from app.store import StoreExecutor
    from app.workstation.session import Session


class _OnStoreThread:
    """The store methods RamqService calls, each run on the store's executor."""

    def __init__(self, executor: StoreExecutor | None):
        self._executor = executor

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            assert self._executor is not None, "signed in"
            return self._executor.call(lambda store: getattr(store, name)(*args, **kwargs))
        return call


class SessionRamq:
    def __init__(self, session: Session):
        self.session = session

    def _service(self) -> RamqService:
        from app.ramq.service import RamqService

        s = self.session
        assert s.profile is not None, "signed in"
        return RamqService(s.client, _OnStoreThread(s.executor), s.profile)

    def family_physician(self, nam: str) -> Looked[FamilyPhysician]:
        return self._service().family_physician(nam)

    def eligibility(self, nam: str) -> Looked[Eligibility]:
        return self._service().eligibility(nam)

    def import_config(self) -> ConfigView:
        return self._service().import_config()

    def save_import_config(self, config: ImportConfig, first_time: bool = False) -> ConfigView:
        return self._service().save_import_config(config, first_time)

    def run_import(self) -> ImportStatus:
        return self._service().run_import()

    def submit_account_request(self, request: AccountRequest) -> RequestRecord:
        return self._service().submit_account_request(request)

    def account_requests(self) -> list[RequestRecord]:
        return self._service().account_requests()
