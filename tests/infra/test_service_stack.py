"""Deploys infra/service.yaml to moto_server and checks what it created.

Usage: test_service_stack.py --repo DIR
Needs CRUDDUR_TEST_MOTO_URL (scripts/test exports it). moto's CloudFormation creates the ECS
cluster, task definition and service, the load balancer, target group and listener, the roles,
security groups and log group; it skips ApplicationAutoScaling resources (it has no model for them)
and keeps only part of a service's properties, so those are checked on the template itself (cfn-lint
checks their shape).
"""

import argparse
import json
import secrets
import sys
import unittest
from pathlib import Path

ARGS = None
REGION = "ap-southeast-2"  # this test's own region: other moto tests run beside it


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from moto_stack import client as region_client, create_stack, database_vpc  # noqa: E402


def client(service):
    return region_client(service, REGION)


def template_text():
    return (ARGS.repo / "infra" / "service.yaml").read_text()


def template():
    from cfnlint.decode import decode_str  # cfn-lint's YAML reader knows !Ref, !Sub, ...
    parsed, matches = decode_str(template_text())
    if matches:
        raise RuntimeError(f"infra/service.yaml does not parse: {matches}")
    return parsed


class ServiceStackTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        suffix = secrets.token_hex(4)
        ec2 = client("ec2")
        cls.cfn, cls.ecs, cls.elb, cls.ec2 = (client("cloudformation"), client("ecs"),
                                              client("elbv2"), ec2)
        vpc, cls.subnets, cls.db_sg = database_vpc(ec2, "10.43", REGION)
        sm = client("secretsmanager")
        cls.password = f"pw-{secrets.token_hex(8)}"
        cls.primary_secret = sm.create_secret(
            Name=f"cruddur/{suffix}/primary",
            SecretString=f"postgresql://cruddurroot:{cls.password}@db:5432/cruddur")["ARN"]
        cls.read_secret = sm.create_secret(
            Name=f"cruddur/{suffix}/replicas",
            SecretString=f"postgresql://cruddurroot:{cls.password}@replica-1:5432/cruddur,"
                         f"postgresql://cruddurroot:{cls.password}@replica-2:5432/cruddur")["ARN"]
        cls.cluster_name = f"cruddur-{suffix}"
        cls.service_name = f"backend-cpp-{suffix}"
        cls.stack = f"cruddur-service-{suffix}"
        parameters = {"Image": "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/backend-cpp:1",
                      "VpcId": vpc, "LoadBalancerSubnetIds": ",".join(cls.subnets),
                      "ServiceSubnetIds": ",".join(cls.subnets),
                      "ConnectionUrlSecretArn": cls.primary_secret,
                      "ReadConnectionUrlSecretArn": cls.read_secret,
                      "CognitoUserPoolId": "ap-southeast-2_Abc123", "CognitoUserPoolClientId": "x1y2",
                      "ClusterName": cls.cluster_name, "ServiceName": cls.service_name,
                      "DbSecurityGroupId": cls.db_sg}
        cls.outputs = create_stack(cls.cfn, cls.stack, template_text(), parameters)

    @classmethod
    def tearDownClass(cls):
        cls.cfn.delete_stack(StackName=cls.stack)

    def container(self):
        families = self.ecs.list_task_definitions(familyPrefix=self.service_name)
        [arn] = families["taskDefinitionArns"]
        task = self.ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        [container] = task["containerDefinitions"]
        return container

    def test_the_service_runs_in_its_cluster(self):
        self.assertEqual(self.outputs["ClusterName"], self.cluster_name)
        [service] = self.ecs.describe_services(cluster=self.cluster_name,
                                               services=[self.service_name])["services"]
        self.assertEqual(service["desiredCount"], 2)
        self.assertTrue(service["taskDefinition"].endswith(f"task-definition/{self.service_name}:1")
                        or self.service_name in service["taskDefinition"])

    def test_the_container_serves_4567_with_a_liveness_check(self):
        container = self.container()
        self.assertEqual(container["command"], ["cruddur", "serve", "--prod"])
        self.assertEqual([p["containerPort"] for p in container["portMappings"]], [4567])
        check = container["healthCheck"]
        self.assertEqual(check["command"][0], "CMD-SHELL")
        self.assertIn("http://127.0.0.1:4567/api/health-check", check["command"][1])

    def test_settings_are_defaulted_and_urls_come_from_secrets(self):
        container = self.container()
        # str(): moto keeps a Number parameter as a number, ECS as text.
        env = {e["name"]: str(e["value"]) for e in container["environment"]}
        self.assertEqual(env["FRONTEND_URL"], "*")
        self.assertEqual(env["BACKEND_URL"], "*")
        self.assertEqual(env["HOST"], "0.0.0.0")
        self.assertEqual(env["DB_PREPARED"], "on")
        self.assertEqual(env["READ_MAX_LAG_MS"], "1000")
        self.assertEqual(env["DRAIN_GRACE_S"], "0")
        self.assertGreater(int(env["HTTP_IDLE_TIMEOUT_S"]), 60, "above the ALB's idle timeout")
        self.assertEqual(env["AWS_DEFAULT_REGION"], REGION)
        # moto leaves an `AWS::NoValue` list item as null where CloudFormation drops it.
        secrets_from = {s["name"]: s["valueFrom"] for s in container["secrets"] if s}
        self.assertEqual(secrets_from, {"PROD_CONNECTION_URL": self.primary_secret,
                                        "READ_CONNECTION_URL": self.read_secret})
        # No database password anywhere in what ECS stores.
        self.assertNotIn(self.password, json.dumps(container))

    def test_the_load_balancer_checks_readiness(self):
        [group] = self.elb.describe_target_groups(
            TargetGroupArns=[self.outputs["TargetGroupArn"]])["TargetGroups"]
        self.assertEqual(group["Port"], 4567)
        self.assertEqual(group["Protocol"], "HTTP")
        self.assertEqual(group["TargetType"], "ip")
        self.assertEqual(group["HealthCheckPath"], "/api/ready")
        self.assertEqual(group["HealthCheckIntervalSeconds"], 15)
        [balancer_arn] = group["LoadBalancerArns"]
        [listener] = self.elb.describe_listeners(LoadBalancerArn=balancer_arn)["Listeners"]
        self.assertEqual(listener["Port"], 80)
        self.assertEqual(listener["DefaultActions"][0]["TargetGroupArn"],
                         self.outputs["TargetGroupArn"])

    def test_only_the_load_balancer_reaches_the_tasks_and_the_tasks_the_database(self):
        service_sg = self.outputs["ServiceSecurityGroupId"]
        [group] = self.ec2.describe_security_groups(GroupIds=[service_sg])["SecurityGroups"]
        rules = [(p["FromPort"], p["ToPort"], len(p["IpRanges"]), len(p["UserIdGroupPairs"]))
                 for p in group["IpPermissions"]]
        self.assertEqual(rules, [(4567, 4567, 0, 1)])
        [db] = self.ec2.describe_security_groups(GroupIds=[self.db_sg])["SecurityGroups"]
        sources = [g["GroupId"] for p in db["IpPermissions"] if p["FromPort"] == 5432
                   for g in p["UserIdGroupPairs"]]
        self.assertEqual(sources, [service_sg])


class ServiceTemplateTest(unittest.TestCase):
    """What moto does not model: checked on the template."""

    def test_autoscaling_on_cpu_and_request_count(self):
        resources = template()["Resources"]
        target = resources["ScalableTarget"]["Properties"]
        self.assertEqual(target["ScalableDimension"], "ecs:service:DesiredCount")
        policies = sorted(r["Properties"]["TargetTrackingScalingPolicyConfiguration"]
                          ["PredefinedMetricSpecification"]["PredefinedMetricType"]
                          for r in resources.values()
                          if r["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy")
        self.assertEqual(policies, ["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"])

    def test_every_parameter_is_defaulted_but_image_network_secrets_and_cognito(self):
        parameters = template()["Parameters"]
        required = sorted(name for name, p in parameters.items() if "Default" not in p)
        self.assertEqual(required, ["CognitoUserPoolClientId", "CognitoUserPoolId",
                                    "ConnectionUrlSecretArn", "Image", "LoadBalancerSubnetIds",
                                    "ServiceSubnetIds", "VpcId"])

    def test_the_service_registers_with_the_target_group_and_rolls_safely(self):
        service = template()["Resources"]["Service"]["Properties"]
        [balancer] = service["LoadBalancers"]
        self.assertEqual(balancer["ContainerPort"], 4567)
        self.assertEqual(service["DeploymentConfiguration"]["MinimumHealthyPercent"], 100)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
