# Fleet client (fleet_client/) and the local API (local_api/): `make serve-local` runs the
# router and scaling API on loopback with moto behind them. The end-to-end tests also drive
# the router with awscurl, pinned in requirements/client.txt.

CLIENT_STAMP := $(VENV)/.stamp-client
LOCAL_API_PORT ?= 8787
LOCAL_MOTO_PORT ?= 8788
LOCAL_API_ARGS ?=
DISPATCH ?= direct

$(CLIENT_STAMP): requirements/client.txt $(VENV)/.stamp-dev
	$(PIP) install -r requirements/client.txt
	touch $@

TEST_DEPS += $(CLIENT_STAMP)

.PHONY: serve-local test-client
serve-local: $(CLIENT_STAMP) ## local router + scaling API (SigV4) with moto and a demo fleet
	$(PY) -m local_api --port $(LOCAL_API_PORT) --moto-port $(LOCAL_MOTO_PORT) --dispatch $(DISPATCH) $(LOCAL_API_ARGS)

test-client: $(CLIENT_STAMP) ## only the client and local API tests (end to end on loopback)
	$(PY) -m pytest tests/client $(PYTEST_ARGS)
