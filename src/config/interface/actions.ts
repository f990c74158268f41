// Every JavaScript action's interface, declared once: input names, defaults, descriptions, required
// flags, output names. action.yml's inputs and outputs are generated from these tables
// (`npm run generate:action-yml`, kept fresh by test/lint/action-interface.test.ts), config/inputs.ts
// reads through them, src/actions/ sets outputs by these names, and the CLI's flags take their help
// lines and defaults from them (src/cli/input-flags.ts).
import {
  APPLICATION_NAME, BUNDLE_INPUTS, BUNDLE_OUTPUTS, DELETE_SOURCE_BUNDLES, ENVIRONMENT_NAME, GATED_OUTPUTS, GATE_INPUTS,
  PREFLIGHT, REGION, ROLLBACK, SUMMARY, VERSION_DESCRIPTION, VERSION_REUSED,
} from './shared.js';
import { defineInterface, type ActionInterface } from './spec.js';

/** The root action: bundle → S3 → version → gated update → rollback → retention. */
export const DEPLOY = defineInterface({
  name: 'deploy',
  file: 'action.yml',
  inputs: {
    'application-name': APPLICATION_NAME,
    'environment-name': ENVIRONMENT_NAME,
    bundle: BUNDLE_INPUTS.bundle,
    'version-label': {
      description:
        "Application version label (at most 100 characters, no \"/\"). Default, empty: derived from GITHUB_SHA and the bundle's sha256, so a re-run of the same commit reuses the same version.",
      default: '',
      help: 'version label (default: <commit>-<bundle sha256>)',
    },
    'version-description': VERSION_DESCRIPTION,
    bucket: BUNDLE_INPUTS.bucket,
    'key-prefix': BUNDLE_INPUTS['key-prefix'],
    region: REGION,
    ...GATE_INPUTS,
    rollback: ROLLBACK,
    'keep-versions': {
      description: 'After a successful deploy, keep only the newest N application versions (0 = no pruning). Versions in use and the rollback target are never deleted.',
      default: '0',
      help: 'after success, prune to the newest N versions; 0 prunes nothing',
    },
    'delete-source-bundles': DELETE_SOURCE_BUNDLES,
    preflight: PREFLIGHT,
    summary: SUMMARY,
  },
  outputs: { ...GATED_OUTPUTS, ...BUNDLE_OUTPUTS, 'version-reused': VERSION_REUSED },
});

/** Deploy an existing version (promotion), gated, with rollback. */
export const DEPLOY_VERSION = defineInterface({
  name: 'deploy-version',
  file: 'actions/deploy-version/action.yml',
  inputs: {
    'application-name': APPLICATION_NAME,
    'environment-name': ENVIRONMENT_NAME,
    'version-label': {
      description: 'Label of the existing application version to deploy. With promote-from-environment: optional, and when given it must be the version that environment runs.',
      default: '',
    },
    'promote-from-environment': {
      description:
        'Promote from this Elastic Beanstalk environment (e.g. shop-dev): deploy the version it runs, only when that version carries eb-pipeline:verified:<this environment> (and no later failed mark) and the environment is Ready and Green on it now; otherwise fail before any change.',
      default: '',
    },
    region: REGION,
    ...GATE_INPUTS,
    rollback: ROLLBACK,
    preflight: PREFLIGHT,
    summary: SUMMARY,
  },
  outputs: GATED_OUTPUTS,
});

/** Redeploy the last verified (or a named) version, gated like a deploy; never rolled back itself. */
export const ROLLBACK_ACTION = defineInterface({
  name: 'rollback',
  file: 'actions/rollback/action.yml',
  inputs: {
    'application-name': APPLICATION_NAME,
    'environment-name': ENVIRONMENT_NAME,
    'version-label': {
      description: 'Version to roll back to. Default, empty: the newest verified version other than the running one (with none, the step fails naming the newest older one that never failed here: name it to use it).',
      default: '',
      help: 'version to roll back to (default: the newest verified one other than the running one)',
    },
    region: REGION,
    ...GATE_INPUTS,
    summary: SUMMARY,
  },
  outputs: {
    'version-label': { description: 'The version rolled back to.' },
    'previous-version-label': { description: 'The version the environment ran before the rollback.' },
    'environment-url': GATED_OUTPUTS['environment-url'],
    health: GATED_OUTPUTS.health,
    outcome: GATED_OUTPUTS.outcome,
    'went-live': GATED_OUTPUTS['went-live'],
    'superseded-by': GATED_OUTPUTS['superseded-by'],
    'deploy-seconds': GATED_OUTPUTS['deploy-seconds'],
  },
});

export const UPLOAD_BUNDLE = defineInterface({
  name: 'upload-bundle',
  file: 'actions/upload-bundle/action.yml',
  inputs: {
    'application-name': { ...APPLICATION_NAME, description: "Elastic Beanstalk application name; used for the default key prefix and EB's storage bucket." },
    ...BUNDLE_INPUTS,
    region: REGION,
  },
  outputs: BUNDLE_OUTPUTS,
});

export const CREATE_VERSION = defineInterface({
  name: 'create-version',
  file: 'actions/create-version/action.yml',
  inputs: {
    'application-name': APPLICATION_NAME,
    'version-label': {
      description: "Version label (at most 100 characters, no \"/\"). Default, empty: derived from GITHUB_SHA and the bundle's sha256.",
      default: '',
    },
    'version-description': VERSION_DESCRIPTION,
    bundle: { description: 'Local .zip or directory to upload first. Leave empty when s3-key names an uploaded bundle.', default: '' },
    bucket: BUNDLE_INPUTS.bucket,
    's3-key': { description: "Key of a bundle already in S3 (e.g. the upload-bundle action's s3-key output).", default: '' },
    'key-prefix': { ...BUNDLE_INPUTS['key-prefix'], description: 'Key prefix when uploading a local bundle. Default, empty: eb-pipeline/<application-name>.' },
    region: REGION,
    'processing-timeout': { description: 'How long to wait for Elastic Beanstalk to process the version (e.g. 5m).', default: '10m' },
    'keep-versions': { description: 'Prune to the newest N versions before creating when near the quota (0 = never prune).', default: '0' },
    'delete-source-bundles': DELETE_SOURCE_BUNDLES,
  },
  outputs: {
    'version-label': { description: 'The version label.' },
    'version-reused': VERSION_REUSED,
    'bundle-sha256': { description: "sha256 of the bundle's zip bytes (when this step uploaded it, or s3-key is content-addressed)." },
    's3-bucket': BUNDLE_OUTPUTS['s3-bucket'],
    's3-key': BUNDLE_OUTPUTS['s3-key'],
    'uploaded-bytes': BUNDLE_OUTPUTS['uploaded-bytes'],
  },
});

export const PRUNE_VERSIONS = defineInterface({
  name: 'prune-versions',
  file: 'actions/prune-versions/action.yml',
  inputs: {
    'application-name': APPLICATION_NAME,
    'keep-versions': { description: 'Number of newest versions to keep (at least 1).', default: '20', help: 'number of newest versions to keep' },
    'protect-version-labels': {
      description: 'Extra labels never to delete, comma- or newline-separated (e.g. a rollback target).',
      default: '',
      help: 'labels never to delete, comma-separated',
    },
    'delete-source-bundles': DELETE_SOURCE_BUNDLES,
    region: REGION,
  },
  outputs: {
    'deleted-versions': { description: 'Labels deleted, newline-separated.' },
    'deleted-count': { description: 'Number of versions deleted.' },
    'kept-count': { description: 'Number of versions left.' },
  },
});

/** Every JavaScript action, in the order the docs list them. */
export const ACTIONS: readonly ActionInterface[] = [DEPLOY, UPLOAD_BUNDLE, CREATE_VERSION, DEPLOY_VERSION, ROLLBACK_ACTION, PRUNE_VERSIONS];
