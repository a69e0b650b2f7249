"""Test support for the CloudFormation templates deployed to the moto_server of scripts/test:
boto3 clients on it, a VPC with two subnets and a database security group, and a stack created
and waited for."""
import os
import secrets


def client(service, region):
    import boto3  # the project's Python (pyenv) has it; imported here for a clear failure
    url = os.environ.get("CRUDDUR_TEST_MOTO_URL")
    if not url:
        raise RuntimeError("CRUDDUR_TEST_MOTO_URL is not set: run the tests through scripts/test, "
                           "which starts moto_server and exports it")
    return boto3.client(service, endpoint_url=url, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def database_vpc(ec2, cidr, region):
    """A VPC `<cidr>.0.0/16`, two subnets in zones a and b, and an RDS security group:
    (vpc id, [subnet ids], security group id)."""
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.{i}.0/24",
                                 AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
               for i, zone in ((1, "a"), (2, "b"))]
    db_sg = ec2.create_security_group(GroupName=f"cruddur-db-{secrets.token_hex(4)}", VpcId=vpc,
                                      Description="RDS")["GroupId"]
    return vpc, subnets, db_sg


def create_stack(cfn, name, template_body, parameters):
    """Creates the stack with `parameters` (a dict), waits until it is complete, and returns its
    outputs as a dict."""
    cfn.create_stack(
        StackName=name, Capabilities=["CAPABILITY_IAM"], TemplateBody=template_body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    cfn.get_waiter("stack_create_complete").wait(
        StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
