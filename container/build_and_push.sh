#!/usr/bin/env bash
# Build the sample inference image for linux/amd64 and push it to Amazon ECR.
# Run with --help for the options. Progress goes to stderr; the last line on
# stdout is the image URI to put in the Terraform variables.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: build_and_push.sh [options]

Build the sample SageMaker inference image (container/) for linux/amd64, create
the ECR repository if it is missing, log Docker in to ECR, tag and push. Prints
the pushed image URI on stdout.

Options:
  -n, --name NAME        ECR repository name (default: sagemaker-fleet-load-model)
  -t, --tag TAG          image tag (default: the git commit, else "latest")
  -r, --region REGION    AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION,
                         or the AWS CLI's configured region)
  -a, --account ID       AWS account id (default: from aws sts get-caller-identity)
      --platform PLAT    target platform (default: linux/amd64, what SageMaker runs)
      --base-image IMG   base image, e.g. pinned by digest (build arg PYTHON_IMAGE)
      --no-push          build and tag locally only; needs Docker but no AWS CLI
  -h, --help             show this help

Requires: docker (with a reachable daemon) and, unless --no-push, the AWS CLI v2
with credentials allowed to use ECR (GetAuthorizationToken, DescribeRepositories,
CreateRepository, and the image push actions).
USAGE
}

die() {
  printf 'build_and_push.sh: error: %s\n' "$*" >&2
  exit 1
}

info() {
  printf '==> %s\n' "$*" >&2
}

need_value() {
  [[ $# -ge 2 && -n $2 && $2 != -* ]] || {
    printf 'build_and_push.sh: error: %s needs a value (see --help)\n' "$1" >&2
    exit 2
  }
}

source_path=${BASH_SOURCE[0]}
[[ $source_path == */* ]] || source_path=./$source_path
context_dir=$(cd "${source_path%/*}" && pwd)

repository=sagemaker-fleet-load-model
tag=""
region=""
account=""
platform=linux/amd64
base_image=""
push=1

while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    -n | --name)
      need_value "$@"
      repository=$2
      shift 2
      ;;
    -t | --tag)
      need_value "$@"
      tag=$2
      shift 2
      ;;
    -r | --region)
      need_value "$@"
      region=$2
      shift 2
      ;;
    -a | --account)
      need_value "$@"
      account=$2
      shift 2
      ;;
    --platform)
      need_value "$@"
      platform=$2
      shift 2
      ;;
    --base-image)
      need_value "$@"
      base_image=$2
      shift 2
      ;;
    --no-push)
      push=0
      shift
      ;;
    *)
      printf 'build_and_push.sh: error: unknown argument %q (see --help)\n' "$1" >&2
      exit 2
      ;;
  esac
done

name_re='^([a-z0-9]+([._-][a-z0-9]+)*/)*[a-z0-9]+([._-][a-z0-9]+)*$'
[[ $repository =~ $name_re ]] ||
  die "invalid ECR repository name '$repository' (lowercase letters, digits, . _ - /)"

if [[ -z $tag ]]; then
  if command -v git >/dev/null 2>&1 &&
    tag=$(git -C "$context_dir" rev-parse --short=12 HEAD 2>/dev/null); then
    :
  else
    tag=latest
  fi
fi
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "invalid image tag '$tag'"

# --- required tools ---------------------------------------------------------
missing=()
if ! command -v docker >/dev/null 2>&1; then
  missing+=("docker: the Docker CLI was not found on PATH; install Docker Desktop or Docker Engine")
fi
if [[ $push -eq 1 ]] && ! command -v aws >/dev/null 2>&1; then
  missing+=("aws: the AWS CLI v2 was not found on PATH; install it and configure credentials (or use --no-push)")
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  for problem in "${missing[@]}"; do
    printf 'build_and_push.sh: error: %s\n' "$problem" >&2
  done
  exit 1
fi
docker info >/dev/null 2>&1 ||
  die "cannot reach the Docker daemon ('docker info' failed); start Docker or set DOCKER_HOST"

# --- build ------------------------------------------------------------------
local_ref="$repository:$tag"
build_args=(--platform "$platform" --tag "$local_ref")
if [[ -n $base_image ]]; then
  build_args+=(--build-arg "PYTHON_IMAGE=$base_image")
fi
info "building $local_ref for $platform from $context_dir"
if docker buildx version >/dev/null 2>&1; then
  # Without provenance attestations buildx pushes a single-platform manifest
  # rather than an index, the form SageMaker accepts.
  docker buildx build "${build_args[@]}" --provenance=false --load "$context_dir" >&2 ||
    die "docker buildx build failed"
else
  docker build "${build_args[@]}" "$context_dir" >&2 || die "docker build failed"
fi

if [[ $push -eq 0 ]]; then
  info "built $local_ref (not pushed: --no-push)"
  printf '%s\n' "$local_ref"
  exit 0
fi

# --- ECR ----------------------------------------------------------------------
if [[ -z $region ]]; then
  region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
fi
if [[ -z $region ]]; then
  region=$(aws configure get region 2>/dev/null || true)
fi
[[ -n $region ]] || die "no AWS region: pass --region or set AWS_REGION"

if [[ -z $account ]]; then
  account=$(aws sts get-caller-identity --query Account --output text) ||
    die "cannot identify the AWS account ('aws sts get-caller-identity' failed); check credentials"
fi
[[ $account =~ ^[0-9]{12}$ ]] || die "invalid AWS account id '$account'"

domain=amazonaws.com
[[ $region == cn-* ]] && domain=amazonaws.com.cn
registry="$account.dkr.ecr.$region.$domain"
image_uri="$registry/$repository:$tag"

if ! lookup_error=$(aws ecr describe-repositories --region "$region" \
  --repository-names "$repository" 2>&1 >/dev/null); then
  if [[ $lookup_error == *RepositoryNotFoundException* ]]; then
    info "creating ECR repository $repository in $region"
    aws ecr create-repository --region "$region" --repository-name "$repository" \
      --image-scanning-configuration scanOnPush=true \
      --encryption-configuration encryptionType=AES256 >/dev/null ||
      die "cannot create ECR repository $repository"
  else
    die "cannot look up ECR repository $repository: $lookup_error"
  fi
fi

info "logging in to $registry"
# The password goes through a pipe, never onto a command line.
aws ecr get-login-password --region "$region" |
  docker login --username AWS --password-stdin "$registry" >&2 ||
  die "docker login to $registry failed"

info "pushing $image_uri"
docker tag "$local_ref" "$image_uri" || die "docker tag failed"
docker push "$image_uri" >&2 || die "docker push failed"

info "pushed $image_uri"
printf '%s\n' "$image_uri"
