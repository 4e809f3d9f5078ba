// asl-validator 4 ships no type declarations: the one call the tests make.
declare module 'asl-validator' {
  export default function validate(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: unknown[] };
}
