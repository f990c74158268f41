// Sent in the AWS user agent; a unit test checks it against package.json.
export const PACKAGE_VERSION = '0.1.0';
export const USER_AGENT_NAME = 'django-eb-pipeline';
