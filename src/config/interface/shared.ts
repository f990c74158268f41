// Inputs and outputs several actions share, written once: the actions' tables
// (src/config/interface/actions.ts) pick them, and override a description where it differs.
import type { InputSpec, OutputSpec } from './spec.js';

export const APPLICATION_NAME: InputSpec = {
  description: 'Elastic Beanstalk application name (1-100 characters, no "/").',
  required: true,
  help: 'Elastic Beanstalk application name',
};

export const ENVIRONMENT_NAME: InputSpec = {
  description: 'Elastic Beanstalk environment name (4-40 characters, letters, digits and "-", not starting or ending with "-").',
  required: true,
  help: 'Elastic Beanstalk environment name',
};

export const REGION: InputSpec = {
  description: 'AWS region, e.g. eu-west-1. Default, empty: AWS_REGION / AWS_DEFAULT_REGION from the environment.',
  default: '',
  help: 'AWS region (default: AWS_REGION)',
};

export const VERSION_DESCRIPTION: InputSpec = {
  description: 'Description of the application version (at most 200 characters).',
  default: '',
  help: 'description of the version',
};

/** Where a bundle goes in S3 (deploy, upload-bundle, create-version with a local bundle). */
export const BUNDLE_INPUTS = {
  bundle: {
    description:
      'Source bundle, a .zip file or a directory (zipped deterministically, so the same content gives the same bytes; symlinks out of the directory, FIFOs and devices are refused, .git is left out).',
    default: '.',
    help: '.zip file or directory',
  },
  bucket: {
    description: "S3 bucket for the bundle. Default, empty: Elastic Beanstalk's own storage bucket (CreateStorageLocation).",
    default: '',
    help: "S3 bucket (default: Elastic Beanstalk's own)",
  },
  'key-prefix': {
    description: 'S3 key prefix; the object is <key-prefix>/<sha256>.zip. Default, empty: eb-pipeline/<application-name>.',
    default: '',
    help: 'S3 key prefix (default eb-pipeline/<application>)',
  },
} satisfies Record<string, InputSpec>;

/** The health gate's settings (deploy, deploy-version, rollback): readGateSettings in src/config/inputs.ts. */
export const GATE_INPUTS = {
  'min-health': {
    description: 'Lowest health the gate accepts, "ok" (Green) or "warning" (Yellow also passes).',
    default: 'ok',
    help: 'ok | warning',
  },
  'healthy-checks': {
    description: 'Passing checks (1-100) the stability window needs at least (checks come about a second apart).',
    default: '3',
    help: 'passing checks in the stability window, at least',
  },
  'stable-seconds': {
    description:
      'Stability window: seconds health must keep passing after it first passes, across at least two EB health reports (like Kubernetes minReadySeconds; 0-3600). Any failure inside it fails the gate. The deploy ends about this long plus a couple of seconds after the environment turns healthy. The default catches a process that dies up to 30 s after Green.',
    // A process that dies up to 30 s after EB first shows Green is seen by the next health report (EB
    // reports every 10 s), and a poll sees that within a second or two: 30 + 10 + 5 s of margin.
    default: '45',
    help: 'seconds health must hold after it first passes',
  },
  'settle-timeout': {
    description:
      'After the update finished: how long health may stay short of min-health without being Severe/Degraded (Pending, Warning while instances settle; the health URL not answering yet) before the gate fails (e.g. 2m).',
    default: '2m',
    help: 'wait for health to come up after the update',
  },
  'unhealthy-grace': {
    description:
      'After the update finished, a release that EB reports Severe/Degraded (or every instance failing) in two consecutive health reports fails at once; this gives it longer, explicitly (e.g. 90s).',
    default: '0s',
    help: 'extra time Severe/Degraded is allowed after the update',
  },
  'health-url': {
    description: 'Optional http(s) URL that must answer 200 during the gate (e.g. https://dev.example.com/healthz).',
    default: '',
    help: 'URL that must answer 200 during the gate',
  },
  'health-url-expect-version': {
    description: 'When "true", the health URL\'s body must contain the version label.',
    default: 'false',
    help: 'true: the health URL must name the version',
  },
  'ready-timeout': {
    description: 'How long to wait for a busy environment to become Ready before deploying (e.g. 90s, 10m, 1h).',
    default: '10m',
    help: 'wait for a busy environment',
  },
  'deploy-timeout': {
    description: 'Deadline for the update and the gate (e.g. 20m). Past it, the update counts as failed (a deploy is then rolled back when rollback is on).',
    default: '20m',
    help: 'deadline for update + gate',
  },
} satisfies Record<string, InputSpec>;

export const ROLLBACK: InputSpec = {
  description: 'When "true", a failed deploy is aborted and the rollback target (the last version verified on the environment) redeployed and gated.',
  default: 'true',
  help: 'true | false: roll back a failed deploy',
};

export const PREFLIGHT: InputSpec = {
  description:
    'When "true", read-only checks run first (bucket and s3:ListBucket, application, environment, Docker platform, enhanced health, instance profile, service role, rollback target); a failure names what is missing and nothing is changed.',
  default: 'true',
  help: 'false: skip the read-only checks before any change',
};

export const SUMMARY: InputSpec = {
  description: 'When "true", write a job summary (environment, versions, per-instance health, events).',
  default: 'true',
};

export const DELETE_SOURCE_BUNDLES: InputSpec = {
  description: 'When "true", pruning also deletes the versions\' S3 bundles (never one a kept version shares).',
  default: 'false',
  help: 'true: pruning deletes the S3 bundles too',
};

/** What a gated update reports (deploy, deploy-version; rollback without the rollback's own two). */
export const GATED_OUTPUTS = {
  'version-label': { description: 'The application version label deployed (or attempted).' },
  'previous-version-label': { description: 'The label the environment ran before the deploy.' },
  'rollback-target': {
    description:
      'The version a failed deploy goes back to, the newest one verified healthy on this environment (tags eb-pipeline:verified:ENV); with no record yet, the one that ran before. Not set when rollback is off or nothing qualifies.',
  },
  'environment-url': { description: "The environment's URL (CNAME), http://..." },
  health: { description: "The environment's health at the end (Green, Yellow, Red, Grey, or the enhanced status)." },
  'rolled-back': { description: '"true" when the deploy failed and the rollback target was redeployed.' },
  outcome: {
    description:
      'How the run ended: deployed, rolled-back (the new version went live, failed its gate and the rollback target serves again), aborted (it failed before it went live; the rollback target serves), superseded (another deploy replaced it while it was gated; nothing undone), failed (rollback off) or needs-attention.',
  },
  'went-live': { description: '"true" when the environment finished the update on the new version (it served traffic), even if it was rolled back afterwards.' },
  'superseded-by': { description: "The version another actor's update put on the environment while this run gated its own (set only when outcome is superseded)." },
  'deploy-seconds': { description: 'Seconds from UpdateEnvironment to the end of the gate.' },
} satisfies Record<string, OutputSpec>;

/** Where the bundle went (deploy, upload-bundle, create-version). */
export const BUNDLE_OUTPUTS = {
  'bundle-sha256': { description: "sha256 of the bundle's zip bytes." },
  's3-bucket': { description: 'Bucket holding the bundle.' },
  's3-key': { description: 'Key of the bundle (content-addressed <prefix>/<sha256>.zip).' },
  'uploaded-bytes': { description: 'Bytes uploaded to S3 (0 when the same content was already there).' },
} satisfies Record<string, OutputSpec>;

export const VERSION_REUSED: OutputSpec = { description: '"true" when an application version with this label and the same bundle already existed.' };
