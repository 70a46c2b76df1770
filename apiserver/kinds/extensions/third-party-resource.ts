// extensions/v1beta1 ThirdPartyResource (1.2–1.7), the forerunner of CustomResourceDefinitions. Its
// names (`cron-tab.stable.example.com`) cannot be a CRD's (`crontabs.stable.example.com`), so it is
// its own kind: stored and served so that manifests still apply; it registers no resource.
import { defineKind } from '../define.ts';

export const thirdPartyResources = defineKind({
  group: 'extensions',
  kind: 'ThirdPartyResource',
  plural: 'thirdpartyresources',
  namespaced: false,
  versions: ['v1beta1'],
});
