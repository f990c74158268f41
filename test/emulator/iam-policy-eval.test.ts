// IAM policy evaluation as the emulator does it (src/emulator/auth/policy.ts): the IAM user guide's
// rules on small documents, and documents it refuses with the element named.
import { describe, expect, it } from 'vitest';
import { evaluate, parsePolicy } from '../../src/emulator/auth/policy.js';

const doc = (...Statement: object[]) => parsePolicy({ Version: '2012-10-17', Statement });
const APP = 'arn:aws:elasticbeanstalk:us-east-1:123456789012:application/shop';

describe('policy evaluation', () => {
  it('allows only what a statement allows (default deny); an explicit Deny wins over any Allow', () => {
    const allow = doc({ Effect: 'Allow', Action: 'elasticbeanstalk:Describe*', Resource: '*' });
    expect(evaluate([allow], 'elasticbeanstalk:DescribeApplications', APP)).toBe('allow');
    expect(evaluate([allow], 'elasticbeanstalk:UpdateEnvironment', APP)).toBe('implicit-deny');
    expect(evaluate([], 'elasticbeanstalk:DescribeApplications', APP)).toBe('implicit-deny');
    const deny = doc({ Effect: 'Deny', Action: 'elasticbeanstalk:DescribeApplications', Resource: APP });
    expect(evaluate([allow, deny], 'elasticbeanstalk:DescribeApplications', APP)).toBe('explicit-deny');
    expect(evaluate([allow, deny], 'elasticbeanstalk:DescribeEvents', APP)).toBe('allow');
  });

  it('matches actions case-insensitively and resources case-sensitively, with * and ?', () => {
    const p = doc({ Effect: 'Allow', Action: 'S3:getobject', Resource: 'arn:aws:s3:::bucket-?/logs/*' });
    expect(evaluate([p], 's3:GetObject', 'arn:aws:s3:::bucket-a/logs/2026/x.gz')).toBe('allow');
    expect(evaluate([p], 's3:GetObject', 'arn:aws:s3:::bucket-ab/logs/x')).toBe('implicit-deny');
    expect(evaluate([p], 's3:GetObject', 'arn:aws:s3:::bucket-a/LOGS/x')).toBe('implicit-deny');
    // A trailing * crosses "/": a bucket pattern also matches every object in it, as in IAM.
    const bucket = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::elasticbeanstalk-*' });
    expect(evaluate([bucket], 's3:GetObject', 'arn:aws:s3:::elasticbeanstalk-us-east-1-1/app/v1.zip')).toBe('allow');
  });

  it('NotAction and NotResource grant everything except what they name', () => {
    const p = doc({ Effect: 'Allow', NotAction: 'elasticbeanstalk:Delete*', NotResource: 'arn:aws:elasticbeanstalk:*:*:environment/shop/prod' });
    expect(evaluate([p], 'elasticbeanstalk:UpdateEnvironment', 'arn:aws:elasticbeanstalk:us-east-1:1:environment/shop/dev')).toBe('allow');
    expect(evaluate([p], 'elasticbeanstalk:UpdateEnvironment', 'arn:aws:elasticbeanstalk:us-east-1:1:environment/shop/prod')).toBe('implicit-deny');
    expect(evaluate([p], 'elasticbeanstalk:DeleteApplicationVersion', APP)).toBe('implicit-deny');
  });

  it('conditions test the request context; a missing key fails a positive operator and passes a negated one', () => {
    const p = doc({
      Effect: 'Allow', Action: 'iam:PassRole', Resource: '*',
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
    expect(evaluate([p], 'iam:PassRole', 'arn:aws:iam::1:role/r', { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe('allow');
    expect(evaluate([p], 'iam:PassRole', 'arn:aws:iam::1:role/r', { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('implicit-deny');
    expect(evaluate([p], 'iam:PassRole', 'arn:aws:iam::1:role/r')).toBe('implicit-deny');
    const notLike = doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotLike: { 'elasticbeanstalk:InApplication': '*:application/shop' } } });
    expect(evaluate([p, notLike], 'iam:PassRole', 'arn:aws:iam::1:role/r', { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe('explicit-deny');
    expect(evaluate([p, notLike], 'iam:PassRole', 'arn:aws:iam::1:role/r', { 'iam:PassedToService': 'ec2.amazonaws.com', 'elasticbeanstalk:InApplication': APP })).toBe('allow');
  });

  it('refuses documents IAM would not take, naming the element', () => {
    expect(() => parsePolicy('{')).toThrow('policy: not JSON');
    expect(() => parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] })).toThrow('policy.Statement[0]: expected exactly one of Resource and NotResource');
    expect(() => parsePolicy({ Version: '2012-10-17', Statement: { Effect: 'Permit', Action: '*', Resource: '*' } })).toThrow('policy.Statement[0].Effect: expected "Allow" or "Deny"');
    expect(() => parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'GetObject', Resource: '*' }] })).toThrow('action "GetObject" is not of the form service:Action');
    expect(() => parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }] })).toThrow('Principal is not supported');
    expect(() => parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': 'x' } } }] })).toThrow('operator DateGreaterThan is not supported');
    expect(() => parsePolicy({ Statement: [] })).toThrow('policy.Version: expected "2012-10-17"');
  });
});
