"""Deploy policies: SAM CLI command lines, scope, need selection from the catalogue,
statements, template reading and scoping, the ``DeployPolicy`` result, and review of a
policy against what deploying needs.

The modules, in the order they import one another (each only those above it):

* ``samcli``: the SAM CLI command line (its flag tables) and :class:`DeployOptions`;
* ``scope``: :class:`Scope`, the placeholder values it gives, a need's grants rendered in it;
* ``select``: which catalogue needs a command line brings in, and the needs made for
  template resources (CloudFormation handlers, custom resources, transforms);
* ``statements``: grants grouped into statements with readable Sids, and the boundary condition;
* ``templates``: reading SAM and CloudFormation templates;
* ``from_template``: what a template adds: its resources' ARNs, handler grants, custom
  resources, transforms, role values, and which resources bring a need in;
* ``result``: :class:`DeployPolicy`;
* ``generate``: :func:`deploy_policy`, who holds each permission, and its warnings;
* ``review``: a policy against what deploying needs, with each grant's purpose.
"""
