export const name = "ews";
