import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, type Account, type AccountList, type AccountUpdate, type NewAccount, type PasswordChange } from '@/lib/api-client';
import { loadPage } from '@/lib/navigation';
import { SIGN_IN_PATH } from '@/features/auth/next';

export const usageKey = ['usage'] as const;
export const accountsKey = ['accounts'] as const;

/**
 * GET /api/usage: my images (the trash included) and the bytes they take; everything in
 * single-user mode. Read again each time the page opens: images come and go all the time.
 */
export function useUsage() {
  return useQuery({ queryKey: usageKey, queryFn: api.usage, staleTime: 0 });
}

/** POST /api/auth/password: my other sign-ins end, this one stays. Errors are shown by the form. */
export function useChangePassword() {
  return useMutation({
    mutationFn: (body: PasswordChange) => api.changePassword(body),
    onError: () => {},
  });
}

/**
 * POST /api/auth/logout-everywhere, then a full page load of the sign-in page, as on sign-out.
 * A 401 means this session had already ended: signed out all the same.
 */
export function useSignOutEverywhere() {
  return useMutation({
    mutationFn: async () => {
      try {
        await api.signOutEverywhere();
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) throw error;
      }
    },
    onSuccess: () => loadPage(SIGN_IN_PATH),
  });
}

/** GET /api/admin/users: every account, with its storage (admins only). */
export function useAccounts(enabled = true) {
  return useQuery({ queryKey: accountsKey, queryFn: api.accounts, enabled });
}

function useReplaceAccount() {
  const queryClient = useQueryClient();
  return (account: Account) => {
    queryClient.setQueryData<AccountList>(accountsKey, (list) => (list ? { items: list.items.map((a) => (a.id === account.id ? account : a)) } : list));
    void queryClient.invalidateQueries({ queryKey: accountsKey });
  };
}

/** POST /api/admin/users: a new account (409 when the name is taken). Errors are shown by the dialog. */
export function useCreateAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewAccount) => api.createAccount(body),
    onError: () => {},
    onSuccess: (account) => {
      queryClient.setQueryData<AccountList>(accountsKey, (list) => (list ? { items: [...list.items, account] } : list));
      void queryClient.invalidateQueries({ queryKey: accountsKey });
    },
  });
}

/** PATCH /api/admin/users/:id with a role or disabled: the row changes at once (a failure shows the app-wide toast). */
export function useUpdateAccount() {
  const replace = useReplaceAccount();
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: Omit<AccountUpdate, 'password'> }) => api.updateAccount(id, changes),
    onSuccess: replace,
  });
}

/** PATCH /api/admin/users/:id {password}: its sign-ins end. Errors are shown by the dialog. */
export function useSetAccountPassword() {
  const replace = useReplaceAccount();
  return useMutation({
    mutationFn: ({ id, password }: { id: string; password: string }) => api.updateAccount(id, { password }),
    onError: () => {},
    onSuccess: replace,
  });
}
