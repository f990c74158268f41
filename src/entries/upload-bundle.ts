import { runUploadBundleAction } from '../actions/upload-bundle.js';

await runUploadBundleAction();
