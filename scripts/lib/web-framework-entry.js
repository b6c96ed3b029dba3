export * from '@apps-in-toss/web-bridge';
export * from '@apps-in-toss/web-analytics';
