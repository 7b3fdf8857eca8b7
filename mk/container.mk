# Sample inference container (container/): run it locally, test it, build and push it.
# Its server uses only the standard library, so the tests need nothing beyond
# requirements/dev.txt and add no install stamp to TEST_DEPS.

CONTAINER_PORT ?= 8080
CONTAINER_ARGS ?=
CONTAINER_PUSH_ARGS ?=

.PHONY: serve-container test-container container-image push-container

serve-container: $(VENV)/.stamp-dev ## run the sample model server on localhost (CONTAINER_PORT, default 8080)
	$(PY) container/serve --host 127.0.0.1 --port $(CONTAINER_PORT) $(CONTAINER_ARGS)

test-container: $(VENV)/.stamp-dev ## only the container tests (real server on loopback)
	$(PY) -m pytest tests/container $(PYTEST_ARGS)

container-image: ## docker build the sample image for linux/amd64 (no push; needs a Docker engine)
	container/build_and_push.sh --no-push $(CONTAINER_PUSH_ARGS)

push-container: ## build and push the sample image to ECR (CONTAINER_PUSH_ARGS="--region ...")
	container/build_and_push.sh $(CONTAINER_PUSH_ARGS)
