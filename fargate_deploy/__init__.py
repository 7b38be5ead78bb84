"""Deploy a Flask site to ECS Fargate behind an ALB with plain CloudFormation.

Layers (see shared STYLE.md): planning modules are pure and import no boto3;
effects modules (aws, docker) are thin; cli and commands/ only present.
"""
