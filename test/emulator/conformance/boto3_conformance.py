"""Conformance of the EB emulator to botocore's Elastic Beanstalk model, through boto3.

Run by test/emulator/eb-conformance.test.ts with Debian's /usr/bin/python3 (python3-boto3 and
python3-botocore): EB_ENDPOINT, EMULATOR_STATE (the /_emulator endpoint's base) and the names of a
prepared application, version and two Ready environments come from the environment. Prints one JSON
report: every call made, every response problem (a member of the output shape missing without a
reason listed in ABSENT, or a present member of an illegal type, enum value or length), and every
constraint violation sent with the error code EB answered.
"""
import datetime
import json
import os
import sys
import time
import urllib.request

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

# Output members the emulator leaves out, and why. Everything else the model lists must be there.
ABSENT = {
    '*.NextToken': 'only when there is a next page',
    'ApplicationVersionDescription.SourceBuildInformation': 'CodeCommit/CodeBuild sources are not emulated',
    'ApplicationVersionDescription.BuildArn': 'CodeBuild is not emulated',
    'ApplicationVersionDescription.Description': 'only when given',
    'ApplicationVersionDescription.SourceBundle': 'only for versions with a bundle (not the sample application)',
    'ApplicationDescription.Description': 'only when given',
    'ApplicationResourceLifecycleConfig.ServiceRole': 'only when given',
    'EnvironmentDescription.TemplateName': 'configuration templates are not emulated',
    'EnvironmentDescription.OperationsRole': 'operations roles are not emulated',
    'EnvironmentDescription.PlatformArn': 'only when given',
    'EnvironmentDescription.Description': 'only when given',
    'EnvironmentDescription.VersionLabel': 'only for an environment running a version',
    'EnvironmentDescription.EndpointURL': 'gone once terminated',
    'EnvironmentDescription.CNAME': 'gone once terminated',
    'EnvironmentDescription.GroupName': 'environment groups (ComposeEnvironments) are not emulated',
    'EventDescription.TemplateName': 'configuration templates are not emulated',
    'EventDescription.PlatformArn': 'custom platforms are not emulated',
    'EventDescription.VersionLabel': 'only for events about a version',
    'EventDescription.EnvironmentName': 'only for events about an environment',
    'EventDescription.RequestId': 'only for events caused by a request',
    'EventDescription.ApplicationName': 'only for events about an application',
    'ConfigurationSettingsDescription.TemplateName': 'configuration templates are not emulated',
    'ConfigurationSettingsDescription.PlatformArn': 'only when given',
    'ConfigurationSettingsDescription.Description': 'only when given',
    'ConfigurationOptionSetting.ResourceName': 'only for scheduled actions',
    'ApplicationMetrics.StatusCodes': 'only with requests in the last 10 s',
    'ApplicationMetrics.Latency': 'only with requests in the last 10 s',
    'SingleInstanceHealth.Causes': 'empty lists are not written',
    'DescribeEnvironmentHealthResult.Causes': 'empty lists are not written',
    'CPUUtilization.Privileged': 'Windows only',
}

# Where the model's enum contradicts the API reference, which EB follows: DescribeEnvironmentHealth's
# Status is typed EnvironmentHealth (Green, Yellow, Red, Grey) but documented, and returned, as the
# operational status ("Ready, Launching, Updating, Terminating, or Terminated").
ENUM_EXEMPT = {'DescribeEnvironmentHealth.Status': ['Launching', 'Updating', 'Ready', 'Terminating', 'Terminated']}

# Shapes whose members are all optional by nature: a limit EB may or may not report, a tag list.
ABSENT_LISTS = {'Causes', 'InstanceHealthList', 'EnvironmentLinks', 'ConfigurationTemplates', 'Versions', 'ResourceTags', 'Events', 'Listeners'}


def absent_ok(shape_name, member):
    return f'*.{member}' in ABSENT or f'{shape_name}.{member}' in ABSENT or member in ABSENT_LISTS


def check(shape, value, path, problems):
    kind = shape.type_name
    if kind == 'structure':
        if not isinstance(value, dict):
            problems.append(f'{path}: expected a structure, got {type(value).__name__}')
            return
        for name, member in shape.members.items():
            if name in value:
                check(member, value[name], f'{path}.{name}', problems)
            elif not absent_ok(shape.name, name):
                problems.append(f'{path}.{name}: missing ({shape.name}.{name})')
    elif kind == 'list':
        if not isinstance(value, list):
            problems.append(f'{path}: expected a list, got {type(value).__name__}')
            return
        for i, item in enumerate(value):
            check(shape.member, item, f'{path}[{i}]', problems)
    elif kind == 'string':
        if not isinstance(value, str):
            problems.append(f'{path}: expected a string, got {value!r}')
            return
        legal = ENUM_EXEMPT.get(path, shape.enum)
        if legal and value not in legal:
            problems.append(f'{path}: {value!r} is not one of {legal}')
        lo, hi = shape.metadata.get('min'), shape.metadata.get('max')
        if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
            problems.append(f'{path}: length {len(value)} outside {lo}..{hi}')
    elif kind in ('integer', 'long'):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f'{path}: expected an integer, got {value!r}')
    elif kind in ('double', 'float'):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f'{path}: expected a number, got {value!r}')
    elif kind == 'boolean':
        if not isinstance(value, bool):
            problems.append(f'{path}: expected a boolean, got {value!r}')
    elif kind == 'timestamp':
        if not isinstance(value, datetime.datetime):
            problems.append(f'{path}: expected a timestamp, got {value!r}')


def main():
    env = os.environ
    common = dict(endpoint_url=env['EB_ENDPOINT'], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
    eb = boto3.client('elasticbeanstalk', config=Config(retries={'max_attempts': 1}), **common)
    # Client-side validation off: the constraint violations must reach the emulator.
    raw = boto3.client('elasticbeanstalk', config=Config(retries={'max_attempts': 1}, parameter_validation=False), **common)
    model = eb.meta.service_model
    app, label, env1, env2 = env['APP'], env['LABEL'], env['ENV1'], env['ENV2']
    report = {'calls': {}, 'violations': []}

    def describe_env(name):
        return eb.describe_environments(EnvironmentNames=[name], IncludeDeleted=False)['Environments'][0]

    def wait_ready(name):
        for _ in range(600):
            if describe_env(name)['Status'] == 'Ready':
                return
            time.sleep(0.1)
        raise RuntimeError(f'{name} never Ready')

    def call(op, **params):
        method = getattr(eb, xform_name(op))
        out = method(**params)
        out.pop('ResponseMetadata', None)
        problems = []
        shape = model.operation_model(op).output_shape
        if shape is not None:
            check(shape, out, op, problems)
        report['calls'][op] = problems
        return out

    app_arn = call('DescribeApplications', ApplicationNames=[app])['Applications'][0]['ApplicationArn']
    call('DescribeAccountAttributes')
    call('CreateApplication', ApplicationName='conformance-new', Description='made by boto3')
    call('UpdateApplicationResourceLifecycle', ApplicationName='conformance-new',
         ResourceLifecycleConfig={'VersionLifecycleConfig': {'MaxCountRule': {'Enabled': False, 'MaxCount': 10}}})
    call('CreateStorageLocation')
    call('CreateApplicationVersion', ApplicationName='conformance-new', VersionLabel='sample', Description='the sample application')
    call('DescribeApplicationVersions', ApplicationName=app)
    call('DeleteApplicationVersion', ApplicationName='conformance-new', VersionLabel='sample')
    call('DescribeEnvironments', ApplicationName=app)
    call('DescribeEvents', ApplicationName=app, MaxRecords=5)
    call('DescribeEnvironmentHealth', EnvironmentName=env1, AttributeNames=['All'])
    call('DescribeInstancesHealth', EnvironmentName=env1, AttributeNames=['All'])
    call('DescribeConfigurationSettings', ApplicationName=app, EnvironmentName=env1)
    stacks = call('ListAvailableSolutionStacks')['SolutionStacks']
    call('ListTagsForResource', ResourceArn=describe_env(env1)['EnvironmentArn'])
    call('UpdateTagsForResource', ResourceArn=app_arn, TagsToAdd=[{'Key': 'team', 'Value': 'platform'}])
    call('SwapEnvironmentCNAMEs', SourceEnvironmentName=env1, DestinationEnvironmentName=env2)
    call('RestartAppServer', EnvironmentName=env2)
    wait_ready(env2)
    call('RebuildEnvironment', EnvironmentName=env2)
    wait_ready(env2)
    stuck = json.dumps({'stuckUpdate': {'environmentName': env1}}).encode()
    urllib.request.urlopen(urllib.request.Request(env['EMULATOR_STATE'] + '/_emulator/faults', data=stuck, method='POST'))
    call('UpdateEnvironment', EnvironmentName=env1, Description='stuck on purpose',
         OptionSettings=[{'Namespace': 'aws:elasticbeanstalk:application:environment', 'OptionName': 'CONFORMANCE', 'Value': '1'}])
    call('AbortEnvironmentUpdate', EnvironmentName=env1)
    wait_ready(env1)
    call('UpdateApplication', ApplicationName='conformance-new', Description='updated by boto3')
    call('UpdateApplicationVersion', ApplicationName=app, VersionLabel=label, Description='described by boto3')
    messages = call('ValidateConfigurationSettings', ApplicationName=app, EnvironmentName=env1, OptionSettings=[
        {'Namespace': 'aws:elasticbeanstalk:command', 'OptionName': 'DeploymentPolicy', 'Value': 'Sometimes'},
        {'Namespace': 'aws:elasticbeanstalk:command', 'OptionName': 'Timeout', 'Value': '900'}])['Messages']
    if [m['OptionName'] for m in messages] != ['DeploymentPolicy']:
        report['calls']['ValidateConfigurationSettings'].append(f'expected one error message, for DeploymentPolicy: {messages}')
    call('DescribeEnvironmentResources', EnvironmentName=env1)
    call('DeleteApplication', ApplicationName='conformance-new', TerminateEnvByForce=True)
    call('CreateEnvironment', ApplicationName=app, EnvironmentName='conformance-3', VersionLabel=label, SolutionStackName=stacks[0])
    wait_ready('conformance-3')
    call('TerminateEnvironment', EnvironmentName='conformance-3')

    # Every constraint of every implemented operation's input, broken one at a time: top-level
    # members, and members of nested structures and of lists of structures.
    for op in sorted(report['calls']):
        shape = model.operation_model(op).input_shape
        if shape is None:
            continue
        base = valid_input(op, app, label, env1, app_arn)
        for name, member in shape.members.items():
            for where, kind, value, expected in broken(name, member, name in shape.required_members):
                params = {n: v for n, v in base.items() if n != name}
                if value is not ABSENT_VALUE:
                    params[name] = value
                try:
                    getattr(raw, xform_name(op))(**params)
                    got = 'accepted'
                except ClientError as err:
                    got = err.response['Error']['Code']
                report['violations'].append({'operation': op, 'member': where, 'constraint': kind, 'expected': expected, 'got': got})
    json.dump(report, sys.stdout)


ABSENT_VALUE = object()


def minimal(shape):
    """The smallest value of `shape` that passes the model: required members only."""
    kind = shape.type_name
    if kind == 'structure':
        return {n: minimal(m) for n, m in shape.members.items() if n in shape.required_members}
    if kind == 'list':
        return []
    if kind == 'boolean':
        return False
    if kind in ('integer', 'long'):
        return shape.metadata.get('min', 1)
    if kind == 'string':
        return shape.enum[0] if shape.enum else 'x' * max(shape.metadata.get('min', 1), 1)
    raise ValueError(f'no minimal value for {kind}')


def scalar_cases(member):
    """(constraint, bad value, expected code) for one scalar member."""
    out = []
    lo, hi = member.metadata.get('min'), member.metadata.get('max')
    if member.type_name == 'string':
        if lo:
            out.append((f'min {lo}', 'x' * (lo - 1), 'ValidationError'))
        if hi and hi <= 100000:
            out.append((f'max {hi}', 'x' * (hi + 1), 'ValidationError'))
        if member.enum:
            out.append(('enum', 'NotAnEnumValue', 'ValidationError'))
    elif member.type_name in ('integer', 'long'):
        if lo is not None:
            out.append((f'min {lo}', lo - 1, 'ValidationError'))
        if hi is not None:
            out.append((f'max {hi}', hi + 1, 'ValidationError'))
    return out


def broken(name, member, required, depth=0):
    """(member path, constraint, value for the top-level member, expected code) for every constraint under `member`."""
    out = []
    if required:
        out.append((name, 'required', ABSENT_VALUE, 'MissingParameter'))
    for kind, value, expected in scalar_cases(member):
        out.append((name, kind, value, expected))
    if member.type_name == 'list' and member.member.type_name == 'string' and member.member.enum:
        out.append((f'{name}[]', 'enum item', ['NotAnEnumValue'], 'ValidationError'))
    if depth < 3 and member.type_name in ('structure', 'list'):
        struct = member if member.type_name == 'structure' else member.member
        wrap = (lambda v: v) if member.type_name == 'structure' else (lambda v: [v])
        if struct.type_name == 'structure':
            for inner_name, inner in struct.members.items():
                for where, kind, value, expected in broken(inner_name, inner, inner_name in struct.required_members, depth + 1):
                    whole = minimal(struct)
                    if value is ABSENT_VALUE:
                        whole.pop(inner_name, None)
                        if not whole:
                            # An empty structure is not sent at all: send another member instead.
                            other = next((n for n, m in struct.members.items() if n != inner_name and m.type_name in ('string', 'integer', 'long', 'boolean')), None)
                            if other is None:
                                continue
                            whole[other] = minimal(struct.members[other])
                    else:
                        whole[inner_name] = value
                    out.append((f'{name}.{where}', kind, wrap(whole), expected))
    return out


def valid_input(op, app, label, env1, app_arn):
    """Parameters that pass the model's checks (the one under test is then broken)."""
    base = {
        'ApplicationName': app, 'VersionLabel': label, 'EnvironmentName': env1, 'ResourceArn': app_arn,
        'ResourceLifecycleConfig': {'VersionLifecycleConfig': {'MaxCountRule': {'Enabled': False}}},
        'OptionSettings': [{'Namespace': 'aws:elasticbeanstalk:command', 'OptionName': 'Timeout', 'Value': '600'}],
    }
    return {k: v for k, v in base.items() if k in MEMBERS.get(op, ())}


MEMBERS = {}


if __name__ == '__main__':
    _model = boto3.client('elasticbeanstalk', region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x').meta.service_model
    for _op in _model.operation_names:
        _shape = _model.operation_model(_op).input_shape
        MEMBERS[_op] = tuple(_shape.members) if _shape is not None else ()
    main()
